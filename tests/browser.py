"""Helpers for the browser tests: sign in the way people do, and check pages with axe."""

import re
from urllib.parse import urlencode

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

BLOCKING_IMPACTS = {"serious", "critical"}


def sign_in(page: Page, live_server, email: str, password: str, *, next: str = "") -> None:
    """Sign in through the real login form and wait until the app has let us in
    (and taken us on to `next`, when given)."""
    query = "?" + urlencode({"next": next}) if next else ""
    page.goto(live_server.url + reverse("account_login") + query)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(re.escape(reverse("account_login"))))
    # htmx starts on DOMContentLoaded; typing before that would go unheard.
    page.wait_for_load_state()


def watch_csp(context: BrowserContext, violations: list[str]) -> None:
    """Collect every Content-Security-Policy violation in this context's pages. Chromium
    reports each one on the console, with JavaScript on or off."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, saying where each one is.
    axe-core is a script: call this only in a context with JavaScript on."""
    violations = [
        violation
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}" for node in v["nodes"])
        for v in violations
    )
    assert not violations, f"Accessibility violations on {page.url}:\n{report}"
