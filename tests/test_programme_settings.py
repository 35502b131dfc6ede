"""Programme settings: admins change the rules and the admins in the app; each bad value
is refused with its message and changes nothing; every change is one audit record."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Employee
from engagements import programme
from engagements.models import Engagement, Program, ProgramEvent
from tests.factories import EmployeeFactory, make_login, programme_today

pytestmark = pytest.mark.django_db


def settings_url(program) -> str:
    return reverse("engagements:programme_settings", args=[program.pk])


def add_url(program) -> str:
    return reverse("engagements:programme_add_admin", args=[program.pk])


def remove_url(program) -> str:
    return reverse("engagements:programme_remove_admin", args=[program.pk])


def rules_of(program) -> dict:
    program.refresh_from_db()
    return {name: getattr(program, name) for name in Program.RULES}


def posted(program, **changes) -> dict:
    """The rules form as the browser sends it: every field, with some changed."""
    return {**{k: str(v) for k, v in rules_of(program).items()}, **changes}


@pytest.fixture
def superuser(db):
    boss = EmployeeFactory(full_name="Sam Superuser")
    user = make_login(boss)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return boss


@pytest.fixture
def other_programme(db):
    return Program.objects.create(name="Sales academy")


@pytest.fixture
def other_admin(db, other_programme):
    """An admin, but of another programme."""
    person = EmployeeFactory(full_name="Otto Otheradmin")
    make_login(person)
    other_programme.admins.add(person)
    return person


def test_the_admin_sees_the_rules_the_admins_and_an_empty_history(admin, program, as_user):
    response = as_user(admin).get(settings_url(program))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Programme settings: {program.name}" in html
    assert 'name="max_length_days" value="42"' in html
    assert "Helen Park</strong> (you)" in html
    assert "No changes yet." in html


def test_one_programme_takes_its_admin_straight_to_its_settings(admin, program, as_user):
    response = as_user(admin).get(reverse("engagements:programme_settings_pick"))
    assert response.status_code == 302 and response["Location"] == settings_url(program)


def test_a_superuser_picks_among_every_programme(superuser, program, other_programme, as_user):
    response = as_user(superuser).get(reverse("engagements:programme_settings_pick"))
    html = response.content.decode()
    assert response.status_code == 200
    assert settings_url(program) in html and settings_url(other_programme) in html


BAD_VALUES = {
    "three goals": (
        {"max_goals": "3"},
        "Goals per engagement, at most: a whole number from 1 to 2",
    ),
    "no goal": ({"max_goals": "0"}, "Goals per engagement, at most: a whole number from 1 to 2"),
    "three peers": (
        {"max_peers": "3"},
        "Peers per engagement, at most: a whole number from 0 to 2",
    ),
    "minus one peer": ({"max_peers": "-1"}, "Peers per engagement, at most: a whole number"),
    "zero days long": (
        {"max_length_days": "0"},
        "Longest engagement (days): a whole number from 1",
    ),
    "181 days long": ({"max_length_days": "181"}, "from 1 to 180. Micro-mentoring is short"),
    "a word for a length": ({"max_length_days": "ten"}, "Longest engagement (days): a whole"),
    "a fraction": ({"max_length_days": "2.5"}, "Longest engagement (days): a whole number"),
    "an empty length": ({"max_length_days": ""}, "Longest engagement (days): a whole number"),
    "a huge number": ({"max_length_days": "9" * 30}, "Longest engagement (days): a whole"),
    "expiry in a day": ({"expire_after_days": "1"}, "expires after (days): a whole number from 2"),
    "expiry in 61 days": ({"expire_after_days": "61"}, "from 2 to 60"),
    "reminder on the day it expires": (
        {"expire_after_days": "5", "remind_unanswered_after_days": "5"},
        "must come before it expires: fewer than 5 days (you typed 5)",
    ),
    "reminder after it expires": (
        {"remind_unanswered_after_days": "9"},
        "must come before it expires: fewer than 7 days (you typed 9)",
    ),
    "no unanswered reminder": (
        {"remind_unanswered_after_days": "0"},
        "unanswered proposal after (days): a whole number from 1 to 59",
    ),
    "reminder before the start": (
        {"max_length_days": "10", "remind_before_end_days": "10"},
        "must fall within the engagement: fewer than 10 days before the end (you typed 10)",
    ),
    "reminder before end negative": (
        {"remind_before_end_days": "-1"},
        "before the end date (days before): a whole number from 0 to 179",
    ),
    "wrap-up reminder on the end day": (
        {"remind_wrapup_after_days": "0"},
        "wrap-up after the end (days): a whole number from 1 to 14",
    ),
    "wrap-up reminder after a month": (
        {"remind_wrapup_after_days": "30"},
        "A wrap-up is asked for in the two weeks after the end.",
    ),
    "a time zone not on the list": (
        {"time_zone": "Mars/Olympus_Mons"},
        "Time zone: pick one from the list (for example Europe/Berlin).",
    ),
    "no time zone": ({"time_zone": ""}, "Time zone: pick one from the list."),
}


@pytest.mark.parametrize("case", BAD_VALUES, ids=list(BAD_VALUES))
def test_each_bad_value_is_refused_with_its_message_and_nothing_changes(
    admin, program, as_user, case
):
    change, message = BAD_VALUES[case]
    before = rules_of(program)
    # One good change beside the bad one: it must not be saved either.
    data = posted(program, **{"remind_wrapup_after_days": "3", **change})
    response = as_user(admin).post(settings_url(program), data)
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 422
    assert "Not saved" in html and "Nothing changed" in html
    assert message in html
    for name, value in change.items():
        # What the admin typed is still in the form to correct (a list offers no bad value).
        if name != "time_zone" and value:
            assert f'name="{name}" value="{value}"' in html
    assert rules_of(program) == before
    assert not ProgramEvent.objects.exists()


def test_a_good_change_is_saved_with_one_audit_record_old_to_new(admin, program, as_user):
    response = as_user(admin).post(
        settings_url(program),
        posted(program, max_length_days="30", remind_before_end_days="5", time_zone="Asia/Tokyo"),
    )
    assert response.status_code == 302 and response["Location"] == settings_url(program)
    program.refresh_from_db()
    assert (program.max_length_days, program.remind_before_end_days) == (30, 5)
    assert program.time_zone == "Asia/Tokyo"
    event = ProgramEvent.objects.get()
    assert (event.program, event.actor, event.verb) == (program, admin, "rules_changed")
    assert event.changes == {
        "max_length_days": [42, 30],
        "remind_before_end_days": [3, 5],
        "time_zone": ["Europe/London", "Asia/Tokyo"],
    }
    html = as_user(admin).get(settings_url(program)).content.decode()
    assert "Saved. Changed: longest engagement (days)" in html
    assert "Helen Park</strong> changed the rules" in html
    assert "Longest engagement (days): 42 → 30" in html
    assert "Europe/London → Asia/Tokyo" in html


def test_saving_the_same_rules_writes_no_record(admin, program, as_user):
    response = as_user(admin).post(settings_url(program), posted(program), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert not ProgramEvent.objects.exists()


def test_the_largest_accepted_values_are_accepted(admin, program, as_user):
    data = posted(
        program,
        max_goals="2",
        max_peers="2",
        max_length_days="180",
        expire_after_days="60",
        remind_unanswered_after_days="59",
        remind_before_end_days="179",
        remind_wrapup_after_days="14",
    )
    assert as_user(admin).post(settings_url(program), data).status_code == 302
    assert rules_of(program)["remind_before_end_days"] == 179


def test_a_shorter_maximum_refuses_the_next_longer_proposal_at_once(
    admin, protege, mentor, program, as_user
):
    as_user(admin).post(settings_url(program), posted(program, max_length_days="14"))
    today = programme_today()
    response = as_user(protege).post(
        reverse("engagements:new"),
        proposal_data(mentor, start=today + dt.timedelta(days=1), days=20),
    )
    assert response.status_code == 200
    assert "An engagement lasts at most 14 days" in response.content.decode()
    assert not Engagement.objects.exists()


def proposal_data(mentor, *, start: dt.date, days: int) -> dict:
    return {
        "title": "Negotiating agency contracts",
        "mentor": str(mentor.pk),
        "role": "shadowing",
        "role_detail": "Prepare the pricing and sit in on the renewal call.",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=days - 1)).isoformat(),
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-description": "Negotiate a renewal",
        "goals-0-measure": "I lead one renewal call",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-kind": "shadow",
        "activities-0-count": "1",
        "activities-0-minutes_each": "60",
        "activities-0-description": "",
        "action": "propose",
    }


def test_the_directory_search_offers_people_to_add(admin, outsider, program, as_user):
    client = as_user(admin)
    html = client.get(settings_url(program), {"q": "olga"}).content.decode()
    assert "Olga Outsider" in html and 'aria-label="Add Olga Outsider as admin"' in html
    # Live (htmx): only the results are sent back.
    partial = client.get(
        settings_url(program),
        {"q": "olga"},
        headers={"HX-Request": "true", "HX-Target": "admin-results"},
    ).content.decode()
    assert partial.lstrip().startswith('<div id="admin-results"')
    assert "Olga Outsider" in partial and "<html" not in partial
    # An admin already: no button.
    html = client.get(settings_url(program), {"q": "helen"}).content.decode()
    assert "Add Helen Park" not in html and '<span class="badge">Admin</span>' in html


def test_a_search_too_long_is_refused_with_a_message(admin, program, as_user):
    html = as_user(admin).get(settings_url(program), {"q": "x" * 101}).content.decode()
    assert "Search: at most 100 characters." in html


def test_an_added_admin_sees_the_programme_and_the_report_at_once(
    admin, outsider, program, as_user, client
):
    client.force_login(outsider.user)
    assert client.get(reverse("engagements:programme")).status_code == 404
    response = as_user(admin).post(add_url(program), {"employee": outsider.pk}, follow=True)
    assert "Olga Outsider is now an admin of Micro-mentoring." in response.content.decode()
    assert list(program.admins.order_by("full_name")) == [admin, outsider]
    event = ProgramEvent.objects.get()
    assert (event.verb, event.actor) == ("admin_added", admin)
    assert event.changes == {"admin": [None, "Olga Outsider <olga.outsider@example.com>"]}
    client.force_login(outsider.user)
    assert client.get(reverse("engagements:programme")).status_code == 200
    assert client.get(settings_url(program)).status_code == 200
    assert client.get(reverse("reports:report")).status_code == 200
    nav = client.get(reverse("engagements:home")).content.decode()
    assert '<span class="visually-hidden">Programme </span>Settings</a>' in nav
    assert ">Reports</a>" in nav


def test_adding_an_admin_twice_or_someone_who_left_is_refused(admin, outsider, program, as_user):
    client = as_user(admin)
    response = client.post(add_url(program), {"employee": admin.pk}, follow=True)
    assert "Not added: Helen Park is already an admin of Micro-mentoring." in (
        response.content.decode()
    )
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    response = client.post(add_url(program), {"employee": outsider.pk}, follow=True)
    assert "Not added: That person is not in the list to pick from." in response.content.decode()
    response = client.post(add_url(program), {"employee": "nobody"}, follow=True)
    assert "Not added: That person is not in the list to pick from." in response.content.decode()
    assert list(program.admins.all()) == [admin]
    assert not ProgramEvent.objects.exists()


def test_a_removed_admin_gets_404_at_once(admin, outsider, program, as_user, client):
    program.admins.add(outsider)
    response = as_user(admin).post(remove_url(program), {"employee": outsider.pk}, follow=True)
    assert "Olga Outsider is no longer an admin of Micro-mentoring." in response.content.decode()
    event = ProgramEvent.objects.get()
    assert (event.verb, event.changes) == (
        "admin_removed",
        {"admin": ["Olga Outsider <olga.outsider@example.com>", None]},
    )
    client.force_login(outsider.user)
    assert client.get(reverse("engagements:programme")).status_code == 404
    assert client.get(settings_url(program)).status_code == 404


def test_removing_someone_who_is_not_an_admin_changes_nothing(admin, outsider, program, as_user):
    response = as_user(admin).post(remove_url(program), {"employee": outsider.pk}, follow=True)
    assert "Not removed: That person is not in the list to pick from." in (
        response.content.decode()
    )
    assert list(program.admins.all()) == [admin] and not ProgramEvent.objects.exists()


def test_the_last_admin_cannot_be_removed(admin, superuser, program, as_user):
    response = as_user(superuser).post(remove_url(program), {"employee": admin.pk}, follow=True)
    assert (
        "Not removed: Helen Park is the only admin of Micro-mentoring still in the company: a "
        "programme keeps at least one. Add another admin first."
    ) in response.content.decode()
    assert list(program.admins.all()) == [admin] and not ProgramEvent.objects.exists()
    with pytest.raises(programme.ProgrammeError):
        programme.remove_admin(program, admin, by=admin)


def test_an_admin_who_left_does_not_count_as_the_one_a_programme_keeps(
    admin, outsider, program, as_user
):
    """Who left cannot sign in: the programme would have no admin who can run it."""
    program.admins.add(outsider)
    Employee.objects.filter(pk=outsider.pk).update(is_active=False)
    client = as_user(admin)
    html = client.get(settings_url(program)).content.decode()
    assert f'{outsider.full_name} <span class="muted">(left the company)</span>' in html
    html = client.post(remove_url(program), {"employee": admin.pk}).content.decode()
    assert "You are the only admin of Micro-mentoring still in the company" in html
    assert "Yes, remove me" not in html and "can add you back" not in html
    client.post(remove_url(program), {"employee": admin.pk, "confirm": "on"})
    assert set(program.admins.all()) == {admin, outsider}
    with pytest.raises(programme.ProgrammeError, match="still in the company"):
        programme.remove_admin(program, admin, by=admin)
    # Who left may be removed: the one still here keeps the programme.
    programme.remove_admin(program, outsider, by=admin)
    assert list(program.admins.all()) == [admin]


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_one(admin, outsider, program):
    """On real PostgreSQL, from two connections: the programme's row lock puts the two
    removals one after the other, so the second sees one admin left and is refused."""
    program.admins.add(outsider)
    barrier = threading.Barrier(2)
    outcomes = []

    def remove(who: int, by: int) -> None:
        try:
            barrier.wait()
            programme.remove_admin(
                Program.objects.get(pk=program.pk),
                Employee.objects.get(pk=who),
                by=Employee.objects.get(pk=by),
            )
            outcomes.append("removed")
        except programme.ProgrammeError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=remove, args=[admin.pk, outsider.pk]),
        threading.Thread(target=remove, args=[outsider.pk, admin.pk]),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "removed"
    assert "is the only admin of Micro-mentoring" in sorted(outcomes)[0]
    assert program.admins.count() == 1
    assert ProgramEvent.objects.filter(verb="admin_removed").count() == 1


def test_the_only_admin_removing_themselves_is_told_why_not(admin, program, as_user):
    client = as_user(admin)
    html = client.post(remove_url(program), {"employee": admin.pk}).content.decode()
    assert "You are the only admin of Micro-mentoring" in html and "Yes, remove me" not in html
    response = client.post(remove_url(program), {"employee": admin.pk, "confirm": "on"})
    assert response.status_code == 302
    assert list(program.admins.all()) == [admin] and not ProgramEvent.objects.exists()


def test_removing_yourself_asks_first_then_closes_the_page(admin, outsider, program, as_user):
    program.admins.add(outsider)
    client = as_user(admin)
    response = client.post(remove_url(program), {"employee": admin.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop being an admin of Micro-mentoring?" in html and "Yes, remove me" in html
    assert admin in program.admins.all() and not ProgramEvent.objects.exists()
    response = client.post(remove_url(program), {"employee": admin.pk, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert list(program.admins.all()) == [outsider]
    assert client.get(settings_url(program)).status_code == 404


def test_the_history_is_newest_first_and_paginated(admin, program, as_user):
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    for n in range(23):
        programme.change_rules(
            program, by=admin, rules={"max_length_days": 50 + n}, now=start + dt.timedelta(hours=n)
        )
    client = as_user(admin)
    first = client.get(settings_url(program)).content.decode()
    assert first.count("changed the rules") == 10
    assert "71 → 72" in first and "59 → 60" not in first and "Page 1 of 3" in first
    last = client.get(settings_url(program), {"history": 3}).content.decode()
    assert last.count("changed the rules") == 3 and "42 → 50" in last
    partial = client.get(
        settings_url(program),
        {"history": 2},
        headers={"HX-Request": "true", "HX-Target": "history"},
    ).content.decode()
    assert partial.lstrip().startswith('<section class="panel" id="history"')
    assert "Page 2 of 3" in partial and "<html" not in partial
    # A page past the end shows the last; a word shows the first.
    assert "Page 3 of 3" in client.get(settings_url(program), {"history": 99}).content.decode()
    assert "Page 1 of 3" in client.get(settings_url(program), {"history": "x"}).content.decode()


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_page_makes_the_same_number_of_queries_for_few_and_many_rows(
    admin, program, as_user, django_assert_max_num_queries
):
    client = as_user(admin)
    url = settings_url(program)
    # One admin, one found, one record; then 13 admins, 13 found, 13 records.
    programme.change_rules(program, by=admin, rules={"max_peers": 1})
    EmployeeFactory(full_name="Person Found")
    small = count_queries(client, url, {"q": "person"})
    for n in range(12):
        person = EmployeeFactory(full_name=f"Person Number{n}")
        programme.add_admin(program, person, by=admin)
    assert ProgramEvent.objects.count() == 13
    with django_assert_max_num_queries(16):
        assert client.get(url, {"q": "person", "history": 2}).status_code == 200
    assert count_queries(client, url, {"q": "person"}) == small


PERSONAS = ["protege", "mentor", "peer", "outsider", "other_admin", "admin", "superuser"]
THIS_PROGRAMME = {"admin", "superuser"}
ANY_ADMIN = {"admin", "superuser", "other_admin"}
URLS = [
    # Every admin has a programme to pick (the other programme's admin: their own).
    (
        "pick",
        "get",
        lambda p: reverse("engagements:programme_settings_pick"),
        {},
        ANY_ADMIN,
    ),
    ("settings page", "get", settings_url, {}, THIS_PROGRAMME),
    ("search", "get", settings_url, {"q": "olga"}, THIS_PROGRAMME),
    ("history", "get", settings_url, {"history": "2"}, THIS_PROGRAMME),
    ("save rules", "post", settings_url, {"max_goals": "9"}, THIS_PROGRAMME),
    ("add admin", "post", add_url, {"employee": "0"}, THIS_PROGRAMME),
    ("remove admin", "post", remove_url, {"employee": "0"}, THIS_PROGRAMME),
]


@pytest.mark.parametrize("name,method,url_of,data,allowed", URLS, ids=[u[0] for u in URLS])
def test_every_settings_url_for_every_persona(
    client, request, program, admin, name, method, url_of, data, allowed
):
    engagement_people = {p: request.getfixturevalue(p) for p in PERSONAS}
    url = url_of(program)
    response = getattr(client, method)(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for persona, person in engagement_people.items():
        client.force_login(person.user)
        response = getattr(client, method)(url, data)
        if persona in allowed:
            assert response.status_code in (200, 302, 422), (persona, response.status_code)
        else:
            assert response.status_code == 404, (persona, response.status_code)
    assert list(program.admins.all()) == [admin]
    assert not ProgramEvent.objects.exists()


def test_an_admin_of_another_programme_reaches_only_their_own(
    other_admin, other_programme, program, as_user
):
    client = as_user(other_admin)
    assert client.get(settings_url(other_programme)).status_code == 200
    assert client.get(settings_url(program)).status_code == 404
    response = client.get(reverse("engagements:programme_settings_pick"))
    assert response["Location"] == settings_url(other_programme)


def test_the_navigation_links_the_settings_for_admins_only(admin, protege, as_user, client):
    pick = reverse("engagements:programme_settings_pick")
    assert f'href="{pick}"' in as_user(admin).get(reverse("engagements:programme")).content.decode()
    client.force_login(protege.user)
    assert f'href="{pick}"' not in client.get(reverse("engagements:home")).content.decode()


def test_the_title_names_the_programme_once(admin, program, other_programme, as_user):
    """The default programme is named after the site: "Settings · X · X" said it twice."""
    client = as_user(admin)
    html = client.get(settings_url(program)).content.decode()
    assert f"<title>Programme settings · {program.name}</title>" in html
    other_programme.admins.add(admin)
    html = client.get(settings_url(other_programme)).content.decode()
    assert f"<title>Programme settings · Sales academy · {program.name}</title>" in html
