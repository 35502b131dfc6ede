"""Typed dates are custom dates: with From and To filled in, the report, its downloads and
its figures' links cover those dates, whatever the Period select was left on, and the
select says "Custom dates". Read on 30 June 2026 (tests/report_data.py)."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from tests import report_data
from tests.report_data import NOW

URL = reverse("reports:report")
# 1 June alone: E8, proposed at midnight (the preset "12m" has 9 proposals, "30d" 8).
FIRST_OF_JUNE = {"start": "2026-06-01", "end": "2026-06-01"}
CUSTOM_SELECTED = '<option value="custom" selected>Custom dates</option>'


@pytest.fixture
def company(db):
    return report_data.build()


@pytest.fixture
def get(client, company):
    def get(url=URL, headers=None, **params):
        client.force_login(company.admin.user)
        with time_machine.travel(NOW, tick=False):
            return client.get(url, params, headers=headers)

    return get


def proposed(page) -> int:
    return next(s["n"] for s in page["funnel"]["stages"] if s["label"] == "Proposed")


@pytest.mark.parametrize("preset", ["12m", "30d", ""])
def test_dates_typed_beside_a_preset_make_a_custom_period(get, preset):
    response = get(period=preset, **FIRST_OF_JUNE)
    assert response.status_code == 200
    page = response.context
    assert (page["scope"].start, page["scope"].end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 1))
    assert proposed(page) == 1
    html = response.content.decode()
    assert CUSTOM_SELECTED in html
    assert 'value="2026-06-01"' in html
    # "Recompute now" posts the period the report shows.
    assert '<input type="hidden" name="period" value="custom">' in html
    # The preset left aside is named (without JavaScript nothing cleared the dates).
    aside = {"12m": "Last 12 months", "30d": "Last 30 days"}.get(preset)
    said = f"The dates you typed make a custom period, so “{aside}” was not applied"
    assert (said in html) is bool(aside) and ('id="period-set-aside"' in html) is bool(aside)


def test_a_one_day_period_says_day_not_days(get):
    html = get(period="custom", **FIRST_OF_JUNE).content.decode()
    assert "(1 day)" in html and "compared with the day before" in html
    html = get(period="30d").content.decode()
    assert "(30 days)" in html and "compared with the 30 days before" in html


def test_a_preset_without_dates_is_still_the_preset(get):
    page = get(period="30d").context
    assert (page["scope"].start, page["scope"].end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert proposed(page) == 8
    assert CUSTOM_SELECTED not in page["form"].as_div()


@pytest.mark.parametrize("typed", [{"start": "2026-01-01"}, {"end": "2026-03-31"}])
def test_one_date_typed_beside_a_preset_asks_for_the_other(get, typed):
    response = get(period="12m", **typed)
    assert response.status_code == 400
    assert "headline" not in response.context
    html = response.content.decode()
    assert "A custom period needs both dates." in html
    assert CUSTOM_SELECTED in html


@pytest.mark.parametrize("table", ["engagements", "funnel"])
def test_the_downloads_cover_the_typed_dates(get, table):
    response = get(reverse("reports:export", args=[table]), period="12m", **FIRST_OF_JUNE)
    assert response.status_code == 200
    assert f"{table}-2026-06-01-2026-06-01.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text)))
    if table == "funnel":
        assert rows[1] == ["Proposed", "1", "100"]
    else:
        assert len(rows) == 1 + 1  # the header and E8


def test_the_figure_links_list_the_typed_dates_engagements(get, company):
    page = get(period="12m", **FIRST_OF_JUNE).context
    assert "start=2026-06-01&end=2026-06-01" in page["all_link"]
    listed = get(page["all_link"])
    assert listed.context["total"] == proposed(page) == 1
    assert [e.pk for e in listed.context["page"]["rows"]] == [company.e[8].pk]


def test_live_filters_swap_the_period_select_to_custom_dates(get):
    response = get(period="12m", headers={"HX-Request": "true"}, **FIRST_OF_JUNE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="field-period" hx-swap-oob="true"' in html
    assert CUSTOM_SELECTED in html
    assert proposed(response.context) == 1
    # Nothing to swap when the select already says what the report covers.
    untouched = get(period="custom", headers={"HX-Request": "true"}, **FIRST_OF_JUNE)
    assert "hx-swap-oob" not in untouched.content.decode()
    assert "hx-swap-oob" not in get(period="12m", **FIRST_OF_JUNE).content.decode()
