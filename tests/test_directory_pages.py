"""Profiles, my profile, the demo company and production settings."""

import datetime as dt
import os
import subprocess
import sys
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.forms import location_choices
from directory.models import Employee, Skill
from directory.search import search_employees
from engagements.models import Engagement
from mentorship.demo import DEMO_LOGINS
from tests.factories import EmployeeFactory, SkillFactory

pytestmark = pytest.mark.django_db


def test_a_profile_shows_skills_interests_manager_team_and_availability(protege, mentor, as_user):
    boss = EmployeeFactory(full_name="Marcus Lee", title="Marketing Director")
    protege.manager = boss
    protege.save()
    EmployeeFactory(full_name="Rosa Mendes", manager=boss)
    html = as_user(mentor).get(reverse("directory:employee", args=[protege.pk])).content.decode()
    for text in ["Priya Patel", "Copywriting", "Negotiation", "Marcus Lee", "Rosa Mendes"]:
        assert text in html
    assert "Open to mentoring" in html
    assert "Edit my profile" not in html


def test_a_profile_says_when_someone_is_not_mentoring(mentor, protege, as_user):
    mentor.open_to_mentoring = False
    mentor.save()
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "Not mentoring now" in html
    # No button into a proposal that would be refused: where to look instead.
    assert "Propose a micro-engagement" not in html
    note = html[html.index('id="not-taking"') : html.index("</p>", html.index('id="not-taking"'))]
    assert "Not mentoring now." in note
    link = (
        'href="/directory/?open=on&amp;skill=enterprise-sales">'
        "Find another mentor for Enterprise sales"
    )
    assert link in note


def test_a_profile_of_a_mentor_at_capacity_offers_no_proposal(mentor, protege, as_user):
    type(mentor).objects.filter(pk=mentor.pk).update(mentoring_capacity=1, mentoring_load=1)
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "Propose a micro-engagement" not in html and "At capacity." in html
    type(mentor).objects.filter(pk=mentor.pk).update(mentoring_load=0)
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert f"/engagements/new/?mentor={mentor.pk}" in html


def test_people_who_left_have_no_profile(protege, mentor, as_user):
    mentor.is_active = False
    mentor.save()
    assert as_user(protege).get(mentor.get_absolute_url()).status_code == 404


def test_profile_queries_do_not_grow_with_reports_and_skills(protege, as_user):
    boss = EmployeeFactory(full_name="Big Boss", skills=["Leadership"])
    client = as_user(protege)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(boss.get_absolute_url()).status_code == 200
        return len(captured)

    EmployeeFactory.create_batch(2, manager=boss)
    few = queries()
    EmployeeFactory.create_batch(20, manager=boss)
    boss.skills.add(*[SkillFactory(name=f"Topic {n}") for n in range(10)])
    assert queries() == few


def test_i_edit_my_own_skills_interests_and_availability(protege, as_user):
    client = as_user(protege)
    excel = SkillFactory(name="Excel")
    response = client.post(
        reverse("directory:profile_edit"),
        {
            "full_name": protege.full_name,
            "title": protege.title,
            "bio": "Now learning spreadsheets.",
            "linkedin_url": "https://www.linkedin.com/in/priya",
            "time_zone": "Europe/Berlin",
            "open_to_mentoring": "",
            "mentoring_capacity": "1",
            "mentoring_hours_per_month": "6",
            "snoozed_until": "",
            "skills": [excel.pk],
            "interests": [Skill.objects.get(name="Negotiation").pk],
        },
    )
    assert response.status_code == 302
    protege.refresh_from_db()
    assert protege.bio == "Now learning spreadsheets."
    assert not protege.open_to_mentoring and protege.mentoring_capacity == 1
    assert [s.name for s in protege.skills.all()] == ["Excel"]
    assert [e.full_name for e in search_employees(Employee.objects, "excel")] == ["Priya Patel"]
    assert "Your profile is saved." in client.get(response["Location"]).content.decode()


def test_a_bad_profile_edit_explains_itself_and_changes_nothing(protege, as_user):
    response = as_user(protege).post(
        reverse("directory:profile_edit"),
        {"bio": "Changed", "time_zone": "Nowhere/Atlantis", "mentoring_capacity": "99"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was saved yet" in html
    assert "At most 10 at a time." in html
    assert "Changed</textarea>" in html  # what was typed is kept
    protege.refresh_from_db()
    assert protege.bio == "" and protege.mentoring_capacity == 2


def test_seed_demo_builds_a_company_once(tmp_path):
    out = StringIO()
    call_command("seed_demo", employees=120, stdout=out)
    assert Employee.objects.count() == 120
    assert all(login["email"] in out.getvalue() for login in DEMO_LOGINS)
    managers = Employee.objects.filter(manager__isnull=False).count()
    assert managers == 119  # everyone but the CEO reports to someone
    before = list(Employee.objects.order_by("pk").values("email", "manager_id", "level"))
    call_command("seed_demo", employees=120, stdout=StringIO())
    assert list(Employee.objects.order_by("pk").values("email", "manager_id", "level")) == before
    call_command("seed_demo", employees=150, stdout=StringIO())
    assert Employee.objects.count() == 150
    assert [e.full_name for e in search_employees(Employee.objects, "daniel okafr")] == [
        "Daniel Okafor"
    ]


def test_production_settings_pass_the_deploy_check():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SECRET_KEY": "x" * 64 + "-not-a-real-secret-but-long-and-random-enough-1234",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "mentoring.acme.co.uk",
        # Without these the deploy check names each default left (tests/test_deploy_checks.py).
        "SITE_URL": "https://mentoring.acme.co.uk",
        "COMPANY_DOMAINS": "acme.co.uk",
        "EMAIL_HOST": "smtp.acme.co.uk",
        "DEFAULT_FROM_EMAIL": "Micro-mentoring <mentoring@acme.co.uk>",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_setting_fails_loudly():
    env = {**os.environ, "DEBUG": "perhaps"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


def test_my_profile_page_queries_do_not_grow_with_skills(protege, as_user):
    client = as_user(protege)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("directory:profile_edit")).status_code == 200
        return len(captured)

    few = queries()
    protege.skills.add(*[SkillFactory(name=f"Topic {n}") for n in range(15)])
    protege.interests.add(*[SkillFactory(name=f"Interest {n}") for n in range(15)])
    assert queries() == few


def test_the_demo_company_has_one_head_of_people_and_believable_reporting_lines():
    call_command("seed_demo", employees=300, stdout=StringIO())
    assert list(
        Employee.objects.filter(title="Head of People").values_list("full_name", flat=True)
    ) == ["Helen Park"]
    john = Employee.objects.select_related("manager").get(email="john.smith@example.com")
    assert john.manager.title == "Head of Engineering"
    heads = Employee.objects.filter(title__startswith="Head of")
    assert heads.count() == heads.values("department").distinct().count()  # one each


def test_the_list_of_places_is_each_active_persons_place_once_in_order(django_assert_num_queries):
    for place, active in [
        ("Paris", True),
        ("Berlin", True),
        ("Paris", True),
        ("", True),
        ("Zurich", False),
        ("Ålesund", True),
    ]:
        EmployeeFactory(location=place, is_active=active)
    # What DISTINCT ... ORDER BY returns (the collation's order), read the slow way.
    expected = list(
        Employee.objects.active()
        .exclude(location="")
        .order_by("location")
        .values_list("location", flat=True)
        .distinct()
    )
    with django_assert_num_queries(1):
        choices = location_choices()
    assert choices == [("", "Anywhere")] + [(p, p) for p in expected]
    assert "Zurich" not in dict(choices) and len(choices) == 4


@pytest.mark.parametrize(
    "instant",
    [
        # 60 days earlier is 00:30 on 28 September in London (summer time), 27th in UTC.
        dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC),
        # And the other way: 60 days before 00:30 in London's summer is still winter.
        dt.datetime(2026, 5, 20, 23, 30, tzinfo=dt.UTC),
    ],
)
def test_the_demo_engagements_are_seeded_at_any_hour(instant):
    """The demo's engagements are proposed as people would, on the programme's dates: a
    UTC date once made `make run` fail with "The start date is in the past"."""
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", employees=80, stdout=StringIO())
    assert Engagement.objects.count() == 4


def test_a_filters_options_are_read_as_rows_and_drawn_as_djangos(django_assert_num_queries):
    """The directory's, the programme list's and the report's choice of a skill, a
    department or a programme (`NamedChoiceField`) draw the same select as Django's
    ModelChoiceField, in one query, without building an instance for each option."""
    from django import forms
    from django.db.models.signals import post_init

    from directory.forms import NamedChoiceField

    for name in ["Python", "Negotiation", "Go", '<Data> & "AI"']:
        SkillFactory(name=name)
    chosen = Skill.objects.get(name="Negotiation")

    class Django(forms.Form):
        skill = forms.ModelChoiceField(
            Skill.objects.order_by("name"), to_field_name="slug", empty_label="Any skill"
        )

    class Named(forms.Form):
        skill = NamedChoiceField(
            Skill.objects.order_by("name"), to_field_name="slug", empty_label="Any skill"
        )

    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count, sender=Skill)
    try:
        with django_assert_num_queries(1):
            drawn = str(Named(initial={"skill": chosen.slug})["skill"])
        assert built == []
        assert drawn == str(Django(initial={"skill": chosen.slug})["skill"])
        assert f'<option value="{chosen.slug}" selected>Negotiation</option>' in drawn
        assert "&lt;Data&gt; &amp; &quot;AI&quot;" in drawn
        # What is chosen is still the skill itself, as before.
        form = Named({"skill": chosen.slug})
        assert form.is_valid() and form.cleaned_data["skill"] == chosen
        assert not Named({"skill": "no-such-skill"}).is_valid()
        # Options a form has read already (the report's programmes) are not read again.
        read, expected = Named(), str(Django()["skill"])
        list(read.fields["skill"].queryset)
        with django_assert_num_queries(0):
            assert str(read["skill"]) == expected
    finally:
        post_init.disconnect(count, sender=Skill)


def my_profile(person, **changes) -> dict:
    """The profile form as the page sends it back, with some fields changed."""
    return {
        "full_name": person.full_name,
        "title": person.title,
        "bio": person.bio,
        "linkedin_url": "",
        "time_zone": person.time_zone,
        "open_to_mentoring": "on",
        "mentoring_capacity": str(person.mentoring_capacity),
        "mentoring_hours_per_month": str(person.mentoring_hours_per_month),
        "snoozed_until": "",
        "skills": [s.pk for s in person.skills.all()],
        "interests": [s.pk for s in person.interests.all()],
        **changes,
    }


def test_a_pause_ending_in_the_past_is_refused_and_changes_nothing(mentor, as_user):
    response = as_user(mentor).post(
        reverse("directory:profile_edit"),
        my_profile(mentor, bio="Changed", snoozed_until="2020-01-01"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was saved yet" in html
    assert "1 January 2020 has passed. Choose a later date" in html
    mentor.refresh_from_db()
    assert mentor.snoozed_until is None and mentor.bio == ""


def test_the_pause_is_checked_against_the_programmes_date_not_the_servers(mentor, as_user, program):
    """Evening in UTC is already tomorrow morning in Auckland: the programme's today."""
    program.time_zone = "Pacific/Auckland"
    program.save()
    with time_machine.travel(dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC), tick=False):
        client = as_user(mentor)
        page = client.get(reverse("directory:profile_edit")).content.decode()
        assert 'min="2026-03-11"' in page
        url = reverse("directory:profile_edit")
        refused = client.post(url, my_profile(mentor, snoozed_until="2026-03-10"))
        assert "10 March 2026 has passed" in refused.content.decode()
        saved = client.post(url, my_profile(mentor, snoozed_until="2026-03-11"))
        assert saved.status_code == 302
    mentor.refresh_from_db()
    assert mentor.snoozed_until == dt.date(2026, 3, 11)


def test_a_pause_that_has_run_out_shows_empty_and_saving_clears_it(mentor, as_user):
    Employee.objects.filter(pk=mentor.pk).update(snoozed_until=dt.date(2020, 1, 1))
    client = as_user(mentor)
    page = client.get(reverse("directory:profile_edit")).content.decode()
    assert "2020-01-01" not in page
    response = client.post(reverse("directory:profile_edit"), my_profile(mentor, bio="Back"))
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.snoozed_until is None and mentor.bio == "Back"


def test_a_capacity_below_the_current_load_is_saved_and_said_plainly(mentor, as_user):
    Employee.objects.filter(pk=mentor.pk).update(mentoring_capacity=3, mentoring_load=3)
    mentor.refresh_from_db()
    client = as_user(mentor)
    form = client.get(reverse("directory:profile_edit")).content.decode()
    assert "You mentor 3 now: a lower number lets those go on" in form
    response = client.post(
        reverse("directory:profile_edit"), my_profile(mentor, mentoring_capacity="1"), follow=True
    )
    html = response.content.decode()
    assert "Your profile is saved." in html
    assert (
        "You mentor 3 now, more than the 1 at a time you set: they go on to their end "
        "dates, and you get no new proposals until 3 of them have ended."
    ) in html
    assert "message-warning" in html
    mentor.refresh_from_db()
    assert (mentor.mentoring_capacity, mentor.mentoring_load) == (1, 3)
    assert not mentor.is_available_to_mentor(dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("capacity", "said"),
    [
        ("2", "until 2 of them have ended"),
        ("0", "You mentor 3 now; they go on to their end dates, and you get no new proposals."),
        ("3", None),
        ("5", None),
    ],
)
def test_saving_a_capacity_says_so_only_when_it_is_below_the_load(mentor, as_user, capacity, said):
    Employee.objects.filter(pk=mentor.pk).update(mentoring_capacity=3, mentoring_load=3)
    mentor.refresh_from_db()
    response = as_user(mentor).post(
        reverse("directory:profile_edit"),
        my_profile(mentor, mentoring_capacity=capacity),
        follow=True,
    )
    html = response.content.decode()
    assert "Your profile is saved." in html
    if said:
        assert said in html
    else:
        assert "You mentor 3 now" not in html


def test_a_negative_mentoring_capacity_says_what_zero_means(protege, as_user):
    response = as_user(protege).post(
        reverse("directory:profile_edit"), {"mentoring_capacity": "-1", "bio": "Kept"}
    )
    html = response.content.decode()
    assert "0 or more: 0 takes on no one for now." in html and "Ensure this value" not in html
    protege.refresh_from_db()
    assert protege.mentoring_capacity == 2 and protege.bio == ""
