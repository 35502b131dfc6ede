"""The participation report on a hand-built programme (tests/report_data.py): every figure
known in advance, per period, department and programme, and every figure's link lists
exactly as many engagements as the figure says."""

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape

from engagements.models import Goal, Program
from reports import folds, queries
from tests import report_data
from tests.report_data import NOW

URL = reverse("reports:report")


@pytest.fixture
def company(db):
    return report_data.build()


@pytest.fixture
def report(client, company):
    """`report(period="30d", department=…)`: the page's context, read on 30 June 2026."""

    def get(user=None, status=200, **params):
        client.force_login((user or company.admin).user)
        with time_machine.travel(NOW, tick=False):
            response = client.get(URL, params)
        assert response.status_code == status, response.content[:2000]
        return response.context

    return get


def by_key(rows, key="label"):
    return {row[key]: row for row in rows}


def test_last_30_days_against_the_30_days_before(report):
    page = report(period="30d")
    assert (page["scope"].start, page["scope"].end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    figures = {
        f["key"]: (f["now"], f["before"], f["direction"], f["percent"]) for f in page["headline"]
    }
    assert figures == {
        # Priya, Mark, Mona and Tom; before: Sam and Mark.
        "people": (4, 2, "up", 100),
        "started": (3, 1, "up", 200),
        "completed": (1, 0, "up", None),
        "goals_met": (1, 0, "up", None),
        "minutes": (300, 30, "up", 900),
    }


def test_participation_by_role_and_by_department(report):
    p = report(period="30d")["participation"]
    assert p["headcount"] == 9
    assert [(r["label"], r["n"], r["share"]) for r in p["roles"]] == [
        ("Protégés", 1, 11),
        ("Mentors", 2, 22),
        ("Peers", 1, 11),
    ]
    rows = [
        (r["name"], r["headcount"], r["proposed"], r["started"], r["proteges"], r["share"])
        for r in p["departments"]
    ]
    assert rows == [
        ("Engineering", 3, 2, 0, 0, 0),
        ("Marketing", 3, 3, 3, 1, 33),
        ("Sales", 3, 3, 0, 0, 0),
    ]
    assert [(m["month"], m["proposed"], m["started"]) for m in p["months"]] == [
        (dt.date(2026, 6, 1), 8, 3)
    ]


def test_engagements_per_month_over_twelve_months(report):
    months = report(period="12m")["participation"]["months"]
    assert len(months) == 12  # 1 July 2025 – 30 June 2026
    assert [(m["month"], m["proposed"], m["started"]) for m in months[-2:]] == [
        (dt.date(2026, 5, 1), 1, 1),
        (dt.date(2026, 6, 1), 8, 3),
    ]
    assert sum(m["proposed"] for m in months[:-2]) == 0


def test_funnel_rates_time_to_answer_and_decline_reasons(report):
    f = report(period="30d")["funnel"]
    assert [(s["label"], s["n"], s["share"]) for s in f["stages"]] == [
        ("Proposed", 8, 100),
        ("Accepted", 3, 38),
        ("Declined", 2, 25),
        ("Expired", 1, 12),
        ("Withdrawn", 1, 12),
        ("Still waiting", 1, 12),
    ]
    # Answers after 6, 12, 24, 48 and 72 hours: percentile_cont interpolates the 90th.
    assert (f["answered"], f["median"], f["p90"]) == (5, 24.0, 62.4)
    assert [(r["label"], r["n"]) for r in f["reasons"]] == [
        ("I'm at capacity — try someone else", 1),
        ("Not the right time for me", 1),
    ]


def test_keeping_to_the_method(report):
    m = report(period="30d")["method"]
    rows = {r["label"]: (r["n"], r["of"]) for r in m["rows"]}
    assert rows == {
        "Two goals": (1, 3),
        "One goal": (2, 3),
        "With peers": (1, 3),
        "Completed on the agreed date": (1, 3),
        "Cancelled": (1, 3),
        "Still running": (1, 3),
        "Thank-you sent": (1, 1),
        "Wrap-up advice given": (1, 1),
        "Follow-ons proposed": (1, 8),
        "Follow-ons accepted": (1, 1),
        "Next mentor suggested": (1, 1),
        "Suggestion became an engagement": (1, 1),
        "Cross-department pairs": (2, 3),
    }
    assert (m["figures"]["used"], m["figures"]["budget"], m["hours_share"]) == (240, 240, 100)
    # E1's four hours served Priya and Tom.
    assert m["served_per_hour"] == 0.5
    assert [(u["label"], u["n"]) for u in m["usage"]] == [
        ("No time logged", 0),
        ("Under half", 0),
        ("Half or more", 0),
        ("All of it", 1),
    ]


def test_outcomes_of_the_completed_engagements_goals(report):
    o = report(period="30d")["outcomes"]
    assert o["total"] == 2
    assert [(r["label"], r["n"], r["share"], r.get("engagements")) for r in o["rows"]] == [
        ("Met", 1, 50, 1),
        ("Partly met", 1, 50, 1),
        ("Not met", 0, 0, 0),
        ("Not marked yet", 0, 0, None),
    ]


def test_mentor_load_now_and_per_mentor(report):
    ml = report(period="30d")["mentor_load"]
    # Mark runs E9, Mona runs E2 (her one slot): Mona is at capacity.
    assert ml["load"] == {"mentors": 3, "busy": 2, "active": 2, "capacity": 7, "at_capacity": 1}
    sought = [
        (
            r["mentor__full_name"],
            r["proposals"],
            r["accepted"],
            r["declined"],
            r["expired"],
            r["per_hour"],
        )
        for r in ml["sought"]
    ]
    assert sought == [
        ("Mark Mentor", 4, 2, 0, 1, 0.5),
        ("Erin Expert", 3, 0, 2, 0, None),
        ("Mona Marketer", 1, 1, 0, 0, 1.0),
    ]
    assert [(r["mentor__full_name"], r["unanswered"]) for r in ml["piling"]] == [("Erin Expert", 2)]


def test_reach_counts_distinct_mentors_per_protege_over_twelve_months(report):
    rows = report(period="30d")["reach"]["rows"]
    # Priya had Mark and Mona, Sam had Mark (E9, in May: within the twelve months).
    assert [(r["label"], r["proteges"]) for r in rows] == [
        ("1", 1),
        ("2", 1),
        ("3", 0),
        ("4", 0),
        ("5", 0),
        ("6+", 0),
    ]


@pytest.mark.parametrize(
    "start, end, proposed",
    [
        ("2026-06-01", "2026-06-01", 1),  # E8, proposed at midnight starting 1 June
        ("2026-05-31", "2026-05-31", 1),  # E9, a second before midnight
        ("2026-05-31", "2026-06-01", 2),
        ("2026-06-02", "2026-06-30", 7),
    ],
)
def test_the_period_edges_are_the_programmes_midnights(report, start, end, proposed):
    page = report(period="custom", start=start, end=end)
    assert page["funnel"]["stages"][0]["n"] == proposed


def test_the_department_is_the_proteges(report, company):
    sales = report(period="30d", department=company.sales.pk)
    assert [(s["label"], s["n"]) for s in sales["funnel"]["stages"]] == [
        ("Proposed", 3),
        ("Accepted", 0),
        ("Declined", 1),
        ("Expired", 1),
        ("Withdrawn", 0),
        ("Still waiting", 1),
    ]
    assert {f["key"]: (f["now"], f["before"]) for f in sales["headline"]}["started"] == (0, 1)
    assert [r["name"] for r in sales["participation"]["departments"]] == ["Sales"]
    assert sales["participation"]["headcount"] == 3
    marketing = report(period="30d", department=company.marketing.pk)
    assert marketing["funnel"]["stages"][1]["n"] == 3
    assert marketing["method"]["rows"][-1]["n"] == 2  # cross-department
    # The mentor load counts the department's mentors: Mona.
    assert marketing["mentor_load"]["load"]["mentors"] == 1


def test_an_admin_reads_only_the_programmes_they_administer(report, company):
    assert report(period="30d")["funnel"]["stages"][0]["n"] == 8
    page = report(period="30d", program=company.other_program.pk, status=400)
    assert "program" in page["form"].errors


def test_a_superuser_reads_every_programme_each_by_its_own_date(report, company):
    boss = report_data.person("Sue Superuser", company.engineering)
    get_user_model().objects.filter(pk=boss.user.pk).update(is_superuser=True, is_staff=True)
    boss.user.refresh_from_db()
    # E10 was proposed on 30 June in New York (already 1 July in London): it is June's.
    everything = report(boss, period="30d")
    assert everything["funnel"]["stages"][0]["n"] == 9
    # In June's bar of the chart too: each engagement's month is its programme's.
    months = {m["month"].month: m["proposed"] for m in everything["participation"]["months"]}
    assert sum(months.values()) == 9 and months[6] >= 1
    only = report(boss, period="30d", program=company.other_program.pk)
    assert only["funnel"]["stages"][0]["n"] == 1
    assert report(boss, period="30d", program=company.program.pk)["funnel"]["stages"][0]["n"] == 8


# 23:45 on 30 June in New York, the other programme's zone: already 1 July (04:45) in
# London, the default programme's.
NEW_YORK_EVENING = dt.datetime(2026, 6, 30, 23, 45, tzinfo=report_data.NEW_YORK)


def scope_in_new_yorks_evening(client, who, **params):
    client.force_login(who.user)
    with time_machine.travel(NEW_YORK_EVENING, tick=False):
        response = client.get(URL, {"period": "30d", **params})
    assert response.status_code == 200
    scope = response.context["scope"]
    return (scope.start, scope.end), response.content.decode()


JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
TO_1_JULY = (dt.date(2026, 6, 2), dt.date(2026, 7, 1))


def test_a_new_york_admins_last_30_days_end_on_new_yorks_today(client, company):
    period, page = scope_in_new_yorks_evening(client, company.other_admin)
    assert period == JUNE
    assert "(America/New_York)" in page
    # The London admin, at the same instant, is already in July.
    assert scope_in_new_yorks_evening(client, company.admin)[0] == TO_1_JULY


def test_a_report_over_several_programmes_goes_by_the_default_programmes_date(client, company):
    boss = report_data.person("Sue Superuser", company.engineering)
    get_user_model().objects.filter(pk=boss.user.pk).update(is_superuser=True, is_staff=True)
    # First by name, but not the default: still 30 June (20:45) in Los Angeles.
    Program.objects.create(name="Americas club", time_zone="America/Los_Angeles")
    period, page = scope_in_new_yorks_evening(client, boss)
    assert period == TO_1_JULY
    assert "(Europe/London)" in page
    # Choosing the New York programme: its own date.
    chosen = scope_in_new_yorks_evening(client, boss, program=company.other_program.pk)
    assert chosen[0] == JUNE


def test_without_the_default_programme_the_first_by_name_gives_the_date(client, company):
    auckland = Program.objects.create(name="Apprentices", time_zone="Pacific/Auckland")
    auckland.admins.add(company.other_admin)
    period, page = scope_in_new_yorks_evening(client, company.other_admin)
    # "Apprentices" before "Sales academy": Auckland's 1 July (15:45 there).
    assert period == TO_1_JULY
    assert "(Pacific/Auckland)" in page
    new_york = company.other_program.pk
    assert scope_in_new_yorks_evening(client, company.other_admin, program=new_york)[0] == JUNE


@pytest.mark.parametrize(
    "params, error",
    [
        ({"period": "custom"}, "A custom period needs both dates."),
        (
            {"period": "custom", "start": "2026-06-02", "end": "2026-06-01"},
            "The end comes before the start.",
        ),
        ({"period": "custom", "start": "1990-01-01", "end": "2026-06-01"}, "at most five years"),
        ({"period": "custom", "start": "yesterday", "end": "2026-06-01"}, "Enter a valid date."),
        ({"period": "forever"}, "Select a valid choice."),
        ({"department": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_filters_get_a_message_and_no_figures(client, company, params, error):
    client.force_login(company.admin.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, params)
    assert response.status_code == 400
    assert "headline" not in response.context
    assert error in response.content.decode()


def figure_links(page):
    """(figure, count, link) for a spread of the report's figures."""
    yield from (
        (f["label"], f["now"], f["link"])
        for f in page["headline"]
        if f["key"] in ("started", "completed")
    )
    yield from (
        (f["label"], f["within"]["n"], f["within"]["link"])
        for f in page["headline"]
        if "within" in f
    )
    yield from ((s["label"], s["n"], s["link"]) for s in page["funnel"]["stages"])
    yield from ((r["label"], r["n"], r["link"]) for r in page["funnel"]["reasons"])
    yield from ((r["label"], r["n"], r["link"]) for r in page["method"]["rows"] if r["link"])
    yield from ((u["label"], u["n"], u["link"]) for u in page["method"]["usage"])
    yield from (
        (r["label"], r["engagements"], r["link"]) for r in page["outcomes"]["rows"] if r.get("link")
    )
    yield from ((r["name"], r["started"], r["link"]) for r in page["participation"]["departments"])
    yield from (
        (r["mentor__full_name"], r["proposals"], r["link"]) for r in page["mentor_load"]["sought"]
    )


@pytest.mark.parametrize("department", ["", "marketing", "sales"])
def test_every_figure_links_to_a_list_of_exactly_its_engagements(
    client, report, company, department
):
    params = {"period": "30d"}
    if department:
        params["department"] = getattr(company, department).pk
    page = report(**params)
    checked = 0
    for label, count, link in figure_links(page):
        with time_machine.travel(NOW, tick=False):
            listed = client.get(link)
        assert listed.status_code == 200, link
        assert (listed.context["total"], listed.context["more"]) == (count, False), (label, link)
        checked += 1
    assert checked >= 30


def test_completions_say_how_many_of_the_periods_engagements_still_run(report, client):
    # E2 (proposed in June) runs; E9, running too, was proposed in May: the period before.
    page = report(period="30d")
    running = {f["key"]: f.get("running") for f in page["headline"]}
    assert running == {
        "people": None,
        "started": None,
        "completed": 1,
        "goals_met": 1,
        "minutes": None,
    }
    with time_machine.travel(NOW, tick=False):
        html = client.get(URL, {"period": "30d"}).content.decode()
    assert html.count("1 still running, not counted yet") == 2


def test_goals_met_name_the_engagements_their_link_lists(report, client, company):
    # Both of E1's goals met: two goals, in one engagement, and the link lists that one.
    company.e[1].goals.update(outcome=Goal.Outcome.MET)
    client.force_login(company.admin.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"period": "30d"})
    goals = next(f for f in response.context["headline"] if f["key"] == "goals_met")
    assert (goals["now"], goals["link"], goals["within"]["n"]) == (2, None, 1)
    html = response.content.decode()
    assert f'in <a href="{escape(goals["within"]["link"])}">1 engagement</a>' in html
    with time_machine.travel(NOW, tick=False):
        listed = client.get(goals["within"]["link"])
    assert [e.pk for e in listed.context["page"]["rows"]] == [company.e[1].pk]


def test_the_mentors_at_capacity_are_named_with_their_running_engagements(report, client, company):
    ml = report(period="30d")["mentor_load"]
    [mona] = ml["full"]
    assert (mona["full_name"], mona["mentoring_load"], mona["mentoring_capacity"]) == (
        "Mona Marketer",
        1,
        1,
    )
    assert not mona["over"]
    with time_machine.travel(NOW, tick=False):
        listed = client.get(mona["link"])
    assert [e.pk for e in listed.context["page"]["rows"]] == [company.e[2].pk]
    # A capacity lowered below the load: over, and named first.
    type(company.mark).objects.filter(pk=company.mark.pk).update(mentoring_capacity=0)
    type(company.mona).objects.filter(pk=company.mona.pk).update(mentoring_capacity=1)
    type(company.erin).objects.filter(pk=company.erin.pk).update(
        mentoring_load=3, mentoring_capacity=2
    )
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("reports:recompute"), {"period": "30d"})
        page = client.get(URL, {"period": "30d"})
    html = page.content.decode()
    assert [m["full_name"] for m in page.context["mentor_load"]["full"]] == [
        "Erin Expert",
        "Mona Marketer",
    ]
    note = html[html.index('id="at-capacity"') : html.index("</p>", html.index('id="at-capacity"'))]
    assert "Erin Expert</a> 3 of 2 (over); " in note and "Mona Marketer</a> 1 of 1." in note


def test_the_list_says_which_report_filters_it_shows(report, client, company):
    page = report(period="30d")
    link = next(r["link"] for r in page["method"]["rows"] if r["label"] == "With peers")
    with time_machine.travel(NOW, tick=False):
        listed = client.get(link)
    html = listed.content.decode()
    assert "With peers: Yes" in html and 'name="peers" value="yes"' in html
    assert (listed.context["total"], listed.context["more"]) == (1, False)
    assert [e.pk for e in listed.context["page"]["rows"]] == [company.e[1].pk]


def test_the_programme_list_refuses_bad_dates_with_a_message(as_user, company):
    client = as_user(company.admin)
    params = urlencode({"start": "2026-06-30", "end": "2026-06-01"})
    response = client.get(f"{reverse('engagements:programme')}?{params}")
    assert "The end comes before the start." in response.content.decode()


@pytest.mark.parametrize("department", ["", "sales"])
def test_the_grouped_pass_counts_as_the_downloads_do(client, company, department):
    # The page counts months, departments and decline reasons in one GROUPING SETS pass
    # (reports.folds, PostgreSQL); the CSV downloads and SQLite count each with its own
    # query (reports.queries). Two spellings of one count: they must agree.
    params = {"period": "12m"} | ({"department": company.sales.pk} if department else {})
    client.force_login(company.admin.user)
    with time_machine.travel(NOW, tick=False):
        scope = client.get(reverse("reports:report"), params).context["scope"]
        groups = folds.groups(scope)
        assert groups is not None
        assert queries.by_month(scope, groups) == queries.by_month(scope)
        assert queries.by_department(scope, groups) == queries.by_department(scope)
        reasons = [(r["decline_reason"], r["n"]) for r in queries.decline_reasons(scope)]
        grouped = [(r["decline_reason"], r["n"]) for r in queries.decline_reasons(scope, groups)]
    assert grouped == reasons
    assert sum(month["proposed"] for month in queries.by_month(scope)) > 0
    assert reasons  # the sample declines with reasons


def test_the_figures_are_written_as_plain_numbers(client, company, monkeypatch):
    """The report's hundreds of counts and chart coordinates are written as they are,
    not each through Django's locale number formatting (~3 ms of a 16 ms page); the
    charts' coordinates could not take a locale's separators anyway."""
    formatted = []
    number_format = formats.number_format

    def counting(value, *args, **kwargs):
        formatted.append(value)
        return number_format(value, *args, **kwargs)

    monkeypatch.setattr(formats, "number_format", counting)
    client.force_login(company.admin.user)
    with time_machine.travel(NOW, tick=False):
        page = client.get(URL, {"period": "12m"}).content.decode()
    assert page.count("<rect") >= 10 and page.count("<td") >= 50
    assert len(formatted) <= 5, formatted
