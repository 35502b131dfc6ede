import pytest
from axe_playwright_python.sync_playwright import Axe
from tests.browser import sign_in
from tests.factories import PASSWORD, engagement_between
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def report(page, label):
    vs = Axe().run(page).response["violations"]
    print(label, len(vs))
    for v in vs:
        print(label, v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:4])

def test_probe(page, live_server, protege, mentor):
    e = engagement_between(protege, mentor, state="proposed")
    a = engagement_between(protege, mentor, state="active", title="Active one")
    sign_in(page, live_server, protege.email, PASSWORD, next=f"/engagements/new/?mentor={mentor.pk}")
    page.get_by_role("button", name="+ Add a goal").click()
    page.wait_for_timeout(500)
    report(page, "PROPOSE")
    page.get_by_label("Note to the mentor", exact=True).focus()
    page.screenshot(path="/tmp/probe-propose-viewport.png")
    page.goto(live_server.url + a.get_absolute_url())
    report(page, "DETAIL")
    page.goto(live_server.url + e.get_absolute_url())
    report(page, "DETAIL-PROPOSED")
    page.goto(live_server.url + "/engagements/")
    report(page, "HOME")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/engagements/new/?mentor={mentor.pk}")
    page.screenshot(path="/tmp/probe-propose-mobile.png", full_page=True)
    page.goto(live_server.url + a.get_absolute_url())
    page.screenshot(path="/tmp/probe-detail-mobile.png", full_page=True)
