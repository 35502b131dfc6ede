"""The report's figures may be minutes old: cached per scope, recomputed on request, and
the presets warmed by the beat task (tests/report_data.py's programme, read on 30 June)."""

import datetime as dt
import time

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Program
from reports import cache as report_cache
from reports import tasks
from reports.forms import PRESETS, ReportFilterForm
from tests import report_data
from tests.report_data import NOW, at

URL = reverse("reports:report")
RECOMPUTE = reverse("reports:recompute")
PAGE_QUERIES = 7  # the page's own, whatever the data (a cached report adds none)
# With a programme chosen, its choices are read for the select: the form did not read them.
CHOSEN_QUERIES = PAGE_QUERIES + 1


@pytest.fixture
def company(db):
    return report_data.build()


@pytest.fixture
def admin_client(client, company):
    client.force_login(company.admin.user)
    return client


def get(client, params=None, **extra):
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, params or {}, **extra)
    assert response.status_code == 200
    return response


def proposed(response) -> int:
    return response.context["funnel"]["stages"][0]["n"]


def new_proposal(company):
    """One more proposal in the last 30 days (read on 30 June): Tom asks Erin."""
    report_data.make(company.tom, company.erin, proposed=at(29), state="proposed")


def queries_of(client, params=None, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, params, **extra)
    return len(captured), response


def test_a_second_request_within_the_window_makes_only_the_pages_fixed_queries(admin_client):
    cold, first = queries_of(admin_client, {"period": "30d"})
    warm, second = queries_of(admin_client, {"period": "30d"})
    # The session, the signed-in person, their programmes (whose date ends the preset),
    # the navigation's badges, the form's choices: the page's own queries; no figure's.
    assert warm == PAGE_QUERIES
    assert cold > PAGE_QUERIES + 5
    assert proposed(second) == proposed(first) == 8
    assert second.context["headline"] == first.context["headline"]
    # The htmx partial of the same scope reads the same entry (and has no navigation).
    partial, _ = queries_of(admin_client, {"period": "30d"}, HTTP_HX_REQUEST="true")
    assert partial == 5


def test_the_cache_is_per_scope_not_per_person(admin_client, company, client):
    get(admin_client, {"period": "30d"})
    n, marketing = queries_of(admin_client, {"period": "30d", "department": company.marketing.pk})
    assert n > PAGE_QUERIES + 5  # a department is another scope: computed, not the whole company's
    assert marketing.context["funnel"]["stages"][0]["n"] < 8
    other = company.other_admin
    client.force_login(other.user)
    n, theirs = queries_of(client, {"period": "30d"})
    assert n > PAGE_QUERIES + 5  # another admin-set of programmes: never the first admin's figures
    assert proposed(theirs) != 8


def test_a_new_engagement_appears_after_recompute_now_not_before(admin_client, company):
    assert proposed(get(admin_client, {"period": "30d"})) == 8
    twelve_months = proposed(get(admin_client, {"period": "12m"}))
    new_proposal(company)
    assert proposed(get(admin_client, {"period": "30d"})) == 8  # minutes old: cached
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(RECOMPUTE, {"period": "30d"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?period=30d"
    assert proposed(get(admin_client, {"period": "30d"})) == 9
    # Other scopes were left alone: the 12 months still show what they showed.
    assert proposed(get(admin_client, {"period": "12m"})) == twelve_months


def test_recompute_now_with_bad_filters_recomputes_nothing_and_says_why(admin_client, company):
    get(admin_client, {"period": "30d"})
    new_proposal(company)
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(
            RECOMPUTE, {"period": "custom", "start": "2026-06-30", "end": "2026-06-01"}
        )
        shown = admin_client.get(response["Location"])
    assert response.status_code == 302
    assert "The end comes before the start." in shown.content.decode()
    assert proposed(get(admin_client, {"period": "30d"})) == 8


def test_recompute_now_is_a_post_with_a_csrf_token_for_admins_only(company, client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(company.admin.user)
    assert strict.post(RECOMPUTE, {"period": "30d"}).status_code == 403
    page = get(strict, {"period": "30d"}).content.decode()
    assert f'action="{RECOMPUTE}"' in page and "csrfmiddlewaretoken" in page
    client.force_login(company.priya.user)
    assert client.post(RECOMPUTE, {"period": "30d"}).status_code == 404
    client.force_login(company.admin.user)
    assert client.get(RECOMPUTE).status_code == 405


def test_the_page_says_when_its_figures_were_computed(admin_client, company):
    with time_machine.travel(dt.datetime(2026, 6, 30, 12, 4, tzinfo=report_data.LONDON)):
        admin_client.get(URL, {"period": "30d"})
    with time_machine.travel(dt.datetime(2026, 6, 30, 12, 7, tzinfo=report_data.LONDON)):
        page = admin_client.get(URL, {"period": "30d"}).content.decode()
    # Computed at 12:04 London time (11:04 UTC), read from the cache at 12:07.
    assert "Figures as of <strong>12:04</strong> (Europe/London)" in page
    assert "refreshed every 5 minutes" in page
    assert "Recompute now" in page


def test_an_entry_lasts_report_cache_seconds(admin_client, company, settings):
    settings.REPORT_CACHE_SECONDS = 1
    get(admin_client, {"period": "30d"})
    new_proposal(company)
    assert proposed(get(admin_client, {"period": "30d"})) == 8
    time.sleep(1.2)  # Redis keeps its own clock: the entry's expiry is real time
    assert proposed(get(admin_client, {"period": "30d"})) == 9


def scope_of(company, period, *, programmes=None, program=None, department=None, now=NOW):
    """The scope a visit at `now` reads (a preset ends on the programmes' date then)."""
    programmes = programmes or Program.objects.filter(admins=company.admin)
    form = ReportFilterForm(
        {
            "period": period,
            "program": program.pk if program else "",
            "department": department.pk if department else "",
        },
        programmes=programmes,
    )
    with time_machine.travel(now, tick=False):
        assert form.is_valid(), form.errors
    return form.scope()


def test_the_beat_task_warms_every_preset_of_every_programme_set(admin_client, company, client):
    with time_machine.travel(NOW, tick=False):
        computed = tasks.warm.apply().get()
    # Programme sets: each of the two programmes alone (as "all my programmes" and as
    # the chosen programme); no superuser, so not both together. Three presets each.
    assert computed == 2 * 2 * len(PRESETS)
    for period in PRESETS:
        for program in (company.program, company.other_program):
            mine = Program.objects.filter(pk=program.pk)
            for chosen in (None, program):
                key = report_cache.key(scope_of(company, period, programmes=mine, program=chosen))
                assert cache.get(key) is not None, (period, program, chosen)
    # The admin's first visit to each preset is warm: the page's fixed queries only.
    for period in PRESETS:
        n, _ = queries_of(admin_client, {"period": period})
        assert n == PAGE_QUERIES, period
    client.force_login(company.other_admin.user)
    n, _ = queries_of(client, {"period": "quarter", "program": company.other_program.pk})
    assert n == CHOSEN_QUERIES


def test_the_beat_task_warms_a_new_york_programme_by_new_yorks_date(company, client):
    # 23:45 on 30 June in New York: already 1 July in London, the default programme's zone.
    evening = dt.datetime(2026, 6, 30, 23, 45, tzinfo=report_data.NEW_YORK)
    with time_machine.travel(evening, tick=False):
        tasks.warm.apply().get()
    new_york = Program.objects.filter(pk=company.other_program.pk)
    scope = scope_of(company, "30d", programmes=new_york, now=evening)
    assert (scope.start, scope.end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert cache.get(report_cache.key(scope)) is not None
    # So the New York admin's evening visit is warm: the page's fixed queries only.
    client.force_login(company.other_admin.user)
    with time_machine.travel(evening, tick=False), CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"period": "30d"})
    assert response.context["scope"].end == dt.date(2026, 6, 30)
    assert len(captured) == PAGE_QUERIES


def test_the_beat_schedule_runs_the_warm_task_every_report_cache_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["warm-reports"]
    assert entry["task"] == tasks.warm.name
    assert entry["schedule"] == settings.REPORT_CACHE_SECONDS == 300


def test_the_csv_exports_stay_exact_while_the_page_is_cached(admin_client, company):
    get(admin_client, {"period": "30d"})
    new_proposal(company)
    with time_machine.travel(NOW, tick=False):
        csv = admin_client.get(reverse("reports:export", args=["funnel"]), {"period": "30d"})
    assert csv.status_code == 200
    assert b"Proposed,9," in b"".join(csv.streaming_content if csv.streaming else [csv.content])


def funnel_row(response) -> str:
    """The funnel table's first row, as drawn: `<th scope="row">Proposed</th>…</tr>`."""
    page = response.content.decode()
    start = page.index('<th scope="row">Proposed</th>', page.index('id="funnel-title"'))
    return page[start : page.index("</tr>", start)]


def figures(response) -> str:
    """The page from its headline on: the figures, without the page's CSRF tokens."""
    page = response.content.decode()
    return page[page.index('aria-labelledby="headline-title"') :]


def test_the_figures_are_drawn_once_for_each_computation(admin_client, company):
    """The figures' HTML is cached with them (reports.cache.drawn): a second visit to the
    same scope draws none of its charts, tables or figures again, and shows the same."""
    first = get(admin_client, {"period": "30d"})
    second = get(admin_client, {"period": "30d"})
    drawn = {t.name for t in first.templates}
    assert {"reports/_hbars.html", "reports/_vbars.html", "reports/_mentors.html"} <= drawn
    assert not drawn & {t.name for t in second.templates} - {"reports/report.html", "base.html"}
    assert figures(second) == figures(first)
    assert ">8</a>" in funnel_row(second)
    # The htmx partial of the same scope shows the same drawing.
    partial = get(admin_client, {"period": "30d"}, HTTP_HX_REQUEST="true").content.decode()
    assert funnel_row(second) in partial


def test_a_recomputed_report_is_drawn_afresh(admin_client, company):
    get(admin_client, {"period": "30d"})
    new_proposal(company)
    assert ">8</a>" in funnel_row(get(admin_client, {"period": "30d"}))  # minutes old
    with time_machine.travel(NOW, tick=False):
        admin_client.post(RECOMPUTE, {"period": "30d"})
    recomputed = get(admin_client, {"period": "30d"})
    assert ">9</a>" in funnel_row(recomputed)
    assert "reports/_hbars.html" in {t.name for t in recomputed.templates}


def test_each_query_string_gets_its_own_links_from_a_shared_scope(admin_client, company):
    """Two query strings of one scope read one computation, each drawing its own CSV links
    (they carry the filters as asked)."""
    plain = get(admin_client, {"period": "30d"}).content.decode()
    spelled = get(admin_client, {"period": "30d", "program": ""}).content.decode()
    funnel_csv = reverse("reports:export", args=["funnel"])
    assert f'href="{funnel_csv}?period=30d"' in plain
    assert f'href="{funnel_csv}?period=30d&amp;program="' in spelled
    assert f'href="{funnel_csv}?period=30d"' not in spelled
