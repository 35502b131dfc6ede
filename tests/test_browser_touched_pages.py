"""Pages this round touched, every control clicked in a real browser with JavaScript on
and off: the skill picker on My profile, a notification in the feed, the email settings
page, a background import's page, and a person's profile (its team, skills and
thank-you notes now read by compiled lookups, directory.compiled)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from directory import tasks
from directory.models import Employee, ImportRun
from engagements.models import Notification, NotificationPreference, WrapUp
from tests.browser import assert_accessible
from tests.factories import EmployeeFactory, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@JS
def test_the_skill_picker_filters_keeps_the_chosen_and_saves(javascript, browser_as, protege):
    page = browser_as(protege, reverse("directory:profile_edit"), javascript=javascript)
    interests = page.get_by_role("group", name="Learning interests")
    box = interests.get_by_role("searchbox", name="Filter learning interests")
    if javascript:
        expect(box).to_be_visible()
        box.fill("copy")
        expect(interests.get_by_label("Copywriting")).to_be_visible()
        expect(interests.get_by_label("Negotiation")).to_be_visible()  # chosen: stays
        expect(interests.get_by_label("Enterprise sales")).to_be_hidden()  # filtered out
        assert_accessible(page)
        box.fill("")
    else:
        expect(box).to_be_hidden()  # the plain list without a script
    expect(page.get_by_text("{#")).to_have_count(0)  # no template source on the page
    interests.get_by_label("Copywriting").check()
    interests.get_by_label("Negotiation").uncheck()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    interests_now = Employee.objects.get(pk=protege.pk).interests.values_list("name", flat=True)
    assert list(interests_now) == ["Copywriting"]


@JS
def test_opening_a_notification_marks_it_read(javascript, browser_as, protege, mentor):
    engagement = engagement_between(protege, mentor, state="declined")
    page = browser_as(protege, reverse("engagements:home"), javascript=javascript)
    nav = page.get_by_role("navigation", name="Main").first
    expect(nav).to_contain_text("1 unread")
    page.locator(".notifications").get_by_role(
        "button", name=re.compile("Proposal declined")
    ).click()
    expect(page).to_have_url(re.compile(engagement.get_absolute_url() + "$"))
    assert Notification.objects.get(recipient=protege).read_at is not None
    if javascript:
        assert_accessible(page)
    page.get_by_role("link", name="My engagements").first.click()
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").first).not_to_contain_text("unread")


@JS
def test_email_settings_are_reached_from_the_menu_and_saved(javascript, browser_as, protege):
    page = browser_as(protege, reverse("engagements:home"), javascript=javascript)
    page.locator("details.site-menu > summary").click()
    page.get_by_role("link", name="Email settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email settings")
    if javascript:
        assert_accessible(page)
    page.get_by_label("One daily digest").check()
    page.get_by_role("button", name="Save").click()
    assert NotificationPreference.objects.get(employee=protege).reminders == "digest"


@JS
def test_a_background_import_page_shows_progress_then_the_report(javascript, browser_as, admin):
    run = ImportRun.objects.create(
        filename="people.csv", data=b"email,full_name\nnew@example.com,New Person\n"
    )
    page = browser_as(admin, reverse("directory:import_run", args=[run.pk]), javascript=javascript)
    status = page.locator("#import-status")
    expect(status).to_contain_text("Waiting for a worker")
    tasks.import_file(run.pk)  # the worker
    if javascript:
        expect(status).to_contain_text("Imported: 1 new", timeout=10_000)  # polled
        assert_accessible(page)
    else:
        page.get_by_role("link", name="Refresh").click()
        expect(status).to_contain_text("Imported: 1 new")
    page.get_by_role("link", name="Import employees").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import employees")


@JS
def test_mark_all_read_empties_the_feeds_badge_and_the_navigations(
    javascript, browser_as, protege, mentor
):
    engagement_between(protege, mentor, state="declined")
    engagement_between(protege, mentor, state="active")
    page = browser_as(protege, reverse("engagements:home"), javascript=javascript)
    badge = page.locator("#notifications .nav-count")
    expect(badge).to_contain_text("2")
    expect(page.get_by_role("navigation", name="Main").first).to_contain_text("2 unread")
    page.get_by_role("button", name="Mark all read").click()
    expect(page).to_have_url(re.compile(reverse("engagements:home") + "$"))
    expect(badge).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").first).not_to_contain_text("unread")
    assert not Notification.objects.filter(recipient=protege, read_at__isnull=True).exists()


@JS
def test_a_profile_leads_to_its_skill_its_team_and_a_proposal(
    javascript, browser_as, protege, mentor
):
    boss = EmployeeFactory(full_name="Zoe Boss", title="Head of Sales")
    teammate = EmployeeFactory(full_name="Tess Mate", title="Account Executive", manager=boss)
    report = EmployeeFactory(full_name="Rory Report", title="Sales Associate", manager=mentor)
    mentor.manager, mentor.bio = boss, "Twenty years of agency negotiations."
    mentor.linkedin_url = "https://www.linkedin.com/in/daniel-okafor"
    mentor.save()
    engagement = engagement_between(protege, mentor, state="completed")
    WrapUp.objects.update_or_create(
        engagement=engagement,
        defaults={"thank_you": "You made pricing calls easy.", "thanked_at": timezone.now()},
    )
    profile = reverse("directory:employee", args=[mentor.pk])
    page = browser_as(protege, profile, javascript=javascript)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(mentor.full_name)
    expect(page.locator("blockquote.note")).to_contain_text("You made pricing calls easy.")
    expect(page.locator("blockquote.note")).to_contain_text(protege.full_name)
    expect(page.get_by_role("link", name="LinkedIn profile")).to_have_attribute(
        "href", mentor.linkedin_url
    )
    expect(page.get_by_role("link", name=mentor.email)).to_have_attribute(
        "href", f"mailto:{mentor.email}"
    )
    if javascript:
        assert_accessible(page)
    for link, lands_on in [
        ("Negotiation", re.compile(r"/directory/\?skill=negotiation$")),
        (boss.full_name, re.compile(reverse("directory:employee", args=[boss.pk]) + "$")),
        (teammate.full_name, re.compile(reverse("directory:employee", args=[teammate.pk]) + "$")),
        (report.full_name, re.compile(reverse("directory:employee", args=[report.pk]) + "$")),
    ]:
        page.get_by_role("link", name=link, exact=True).click()
        expect(page).to_have_url(lands_on)
        page.go_back()
        expect(heading).to_have_text(mentor.full_name)
    team = page.get_by_role("region", name="Team")
    expect(team).to_contain_text("Teammates")
    expect(team).to_contain_text("Direct reports")
    page.get_by_role("link", name=boss.full_name, exact=True).click()
    expect(page.get_by_role("region", name="Team")).to_contain_text(mentor.full_name)
    page.go_back()
    page.get_by_role("link", name="Propose a micro-engagement").click()
    expect(page).to_have_url(re.compile(rf"/engagements/new/\?mentor={mentor.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Propose")
    page.goto(page.url.split("/engagements/")[0] + reverse("directory:employee", args=[protege.pk]))
    expect(page.get_by_role("link", name="Propose a micro-engagement")).to_have_count(0)
    page.get_by_role("link", name="Edit my profile").click()
    expect(page).to_have_url(re.compile(reverse("directory:profile_edit") + "$"))
