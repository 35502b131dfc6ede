"""The report's CSV downloads, who may see the report, and its fixed query count."""

import csv
import datetime as dt
import io
import random

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Engagement, Goal, Meeting, Participant, WrapUp
from reports.exports import TABLES, lines
from tests import report_data
from tests.factories import EmployeeFactory, programme_today
from tests.report_data import NOW

REPORT_URLS = [reverse("reports:report")] + [
    reverse("reports:export", args=[table]) for table in TABLES
]


@pytest.fixture
def company(db):
    return report_data.build()


def download(client, person, table, **params):
    client.force_login(person.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("reports:export", args=[table]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_department_table_downloads_with_the_report_figures(client, company):
    rows = download(client, company.admin, "departments", period="30d")
    assert rows == [
        ["Department", "Headcount", "Proposed", "Accepted", "Protégés", "Protégés per 100"],
        ["Engineering", "3", "2", "0", "0", "0"],
        ["Marketing", "3", "3", "3", "1", "33"],
        ["Sales", "3", "3", "0", "0", "0"],
    ]


def test_the_funnel_downloads_with_rates_reasons_and_times(client, company):
    rows = download(client, company.admin, "funnel", period="30d")
    assert rows[0] == ["Stage", "Engagements", "Share of proposed (%)"]
    assert rows[1:3] == [["Proposed", "8", "100"], ["Accepted", "3", "38"]]
    assert ["Median time to answer (hours)", "24.0", ""] in rows
    assert ["90th percentile time to answer (hours)", "62.4", ""] in rows


def test_the_engagements_behind_the_report_download_with_its_filters(client, company):
    every = download(client, company.admin, "engagements", period="30d")
    assert every[0][:4] == ["Id", "Programme", "Title", "State"]
    assert sorted(int(row[0]) for row in every[1:]) == sorted(company.e[n].pk for n in range(1, 9))
    sales = download(
        client, company.admin, "engagements", period="30d", department=company.sales.pk
    )
    assert sorted(int(r[0]) for r in sales[1:]) == sorted(company.e[n].pk for n in (4, 6, 8))
    e1 = next(r for r in every if r[0] == str(company.e[1].pk))
    # Budget and logged minutes, goals, peers joined.
    assert e1[12:16] == ["240", "240", "2", "1"]
    # The state in words, as the page says it.
    labels = dict(Engagement.State.choices)
    assert {r[3] for r in every[1:]} <= set(labels.values()) and e1[3] == labels["completed"]


def test_every_table_downloads_with_a_header_row(client, company):
    for table in TABLES:
        rows = download(client, company.admin, table, period="12m")
        assert rows and all(rows[0]), table


def test_cells_that_a_spreadsheet_would_run_are_escaped(client, company):
    Engagement.objects.filter(pk=company.e[1].pk).update(title='=HYPERLINK("http://evil","x")')
    Engagement.objects.filter(pk=company.e[2].pk).update(title="+1 call")
    Engagement.objects.filter(pk=company.e[3].pk).update(title="-2 days")
    Engagement.objects.filter(pk=company.e[4].pk).update(title="@SUM(A1)")
    Engagement.objects.filter(pk=company.e[5].pk).update(title="\tTabbed")
    type(company.priya).objects.filter(pk=company.priya.pk).update(full_name="=cmd|' /C calc'!A0")
    rows = download(client, company.admin, "engagements", period="30d")
    titles = {row[0]: row[2] for row in rows[1:]}
    assert titles[str(company.e[1].pk)] == '\'=HYPERLINK("http://evil","x")'
    assert titles[str(company.e[2].pk)] == "'+1 call"
    assert titles[str(company.e[3].pk)] == "'-2 days"
    assert titles[str(company.e[4].pk)] == "'@SUM(A1)"
    assert titles[str(company.e[5].pk)] == "'\tTabbed"
    assert {row[4] for row in rows[1:] if row[0] == str(company.e[1].pk)} == {"'=cmd|' /C calc'!A0"}


def test_an_unknown_table_is_not_found(client, company):
    client.force_login(company.admin.user)
    assert client.get(reverse("reports:export", args=["secrets"])).status_code == 404


def test_a_download_with_bad_filters_says_so(client, company):
    client.force_login(company.admin.user)
    response = client.get(reverse("reports:export", args=["engagements"]), {"period": "custom"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", REPORT_URLS)
def test_only_programme_admins_and_superusers_see_the_reports(
    client, url, protege, mentor, peer, outsider, admin
):
    for person in (protege, mentor, peer, outsider):
        client.force_login(person.user)
        assert client.get(url).status_code == 404, person
    client.force_login(admin.user)
    assert client.get(url).status_code == 200
    boss = EmployeeFactory(full_name="Sue Superuser", indexed=False)
    boss.user = get_user_model().objects.create(username="sue", email=boss.email, is_superuser=True)
    boss.save(update_fields=["user"])
    client.force_login(boss.user)
    assert client.get(url).status_code == 200
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def bulk_engagements(n: int, program, people: list, mentors: list) -> None:
    """n engagements in every state with goals, peers, meetings and wrap-ups, in bulk."""
    today = programme_today()
    states = [s for s in Engagement.State.values if s != Engagement.State.DRAFT]
    rng = random.Random(n)
    now = dt.datetime.now(dt.UTC)
    made = Engagement.objects.bulk_create(
        Engagement(
            program=program,
            protege=rng.choice(people),
            mentor=rng.choice(mentors),
            title=f"Engagement {i}",
            state=states[i % len(states)],
            start_date=today,
            end_date=today + dt.timedelta(days=14),
            budget_minutes=240,
            proposed_at=now - dt.timedelta(days=rng.randrange(300)),
            decided_at=now - dt.timedelta(hours=rng.randrange(1, 100)),
        )
        for i in range(n)
    )
    Goal.objects.bulk_create(
        Goal(engagement=e, position=p, description="Goal", outcome=rng.choice(Goal.Outcome.values))
        for e in made
        for p in range(1 + e.pk % 2)
    )
    Meeting.objects.bulk_create(
        Meeting(engagement=e, held_on=today, minutes=60, logged_by=e.protege) for e in made
    )
    Participant.objects.bulk_create(
        Participant(engagement=e, employee=people[0], answer="accepted")
        for e in made
        if e.protege != people[0]
    )
    WrapUp.objects.bulk_create(
        WrapUp(engagement=e, thanked_at=now, next_mentor=mentors[0], advised_at=now)
        for e in made
        if e.state == Engagement.State.COMPLETED
    )


def report_queries(client) -> int:
    """The queries of computing the report (its cache emptied first: the cold path)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:report"), {"period": "12m"})
    assert response.status_code == 200
    return len(queries)


@time_machine.travel(NOW, tick=False)
def test_the_report_makes_as_many_queries_for_1000_engagements_as_for_10(client, admin, program):
    people = [EmployeeFactory(indexed=False) for _ in range(8)]
    mentors = [EmployeeFactory(indexed=False, mentoring_capacity=5) for _ in range(4)]
    client.force_login(admin.user)
    bulk_engagements(10, program, people, mentors)
    few = report_queries(client)
    bulk_engagements(990, program, people, mentors)
    assert Engagement.objects.count() == 1000
    assert report_queries(client) == few
    assert few <= 21


def test_moments_are_written_to_the_second_alike_in_every_row():
    """str() of a moment wrote its microseconds when it had any ("04:57:28.445552") and
    not when it had none, so a spreadsheet read the column as text."""
    moments = [
        dt.datetime(2025, 12, 1, 4, 57, 28, 445552, tzinfo=dt.UTC),
        dt.datetime(2025, 12, 1, 4, 57, 29, tzinfo=dt.UTC),
    ]
    rows = list(csv.reader(io.StringIO("".join(lines(["At"], [[m] for m in moments])))))
    assert rows[1:] == [["2025-12-01 04:57:28+00:00"], ["2025-12-01 04:57:29+00:00"]]
