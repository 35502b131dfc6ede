"""The programme list's filters on the report's hand-built programme (tests/report_data.py):
a filter that is not valid is left out and said to be, and every valid one still applies,
so the list never shows more than the form says."""

import pytest
import time_machine
from django.urls import reverse

from tests import report_data
from tests.report_data import NOW

URL = reverse("engagements:programme")


@pytest.fixture
def company(db):
    return report_data.build()


@pytest.fixture
def listed(client, company):
    """`listed(state=…, …)`: the list's response, read on 30 June 2026 by the admin."""

    def get(**params):
        client.force_login(company.admin.user)
        with time_machine.travel(NOW, tick=False):
            response = client.get(URL, params)
        assert response.status_code == 200
        return response

    return get


def listed_ids(response) -> set[int]:
    return {e.pk for e in response.context["page"]["rows"]}


def not_applied(response) -> list[str]:
    return [label for label, message in response.context["form"].not_applied()]


def test_dates_in_the_wrong_order_leave_out_the_dates_and_nothing_else(listed, company):
    # Priya (Marketing) has three accepted engagements; one of them completed (E1).
    response = listed(
        state="completed", department=company.marketing.pk, start="2026-12-01", end="2026-11-01"
    )
    html = response.content.decode()
    assert "The end comes before the start." in html
    assert "Proposed from: The start comes after the end." in html  # each says why
    assert (response.context["total"], response.context["more"]) == (1, False)
    assert listed_ids(response) == {company.e[1].pk}
    assert not_applied(response) == ["Proposed from", "Proposed until"]
    assert 'id="not-applied"' in html
    assert "These filters were not applied" in html
    # The form still says what the list applies, and what it does not.
    assert '<option value="completed" selected>' in html
    assert f'<option value="{company.marketing.pk}" selected>' in html
    assert 'value="2026-12-01"' in html and 'value="2026-11-01"' in html


def test_a_date_out_of_range_is_left_out_and_the_other_date_applies(listed, company):
    # Until 31 May: E9 (proposed 23:59:59 on 31 May, London) and the May engagements;
    # the start, 1900, is out of range and left out.
    everything = listed(department=company.sales.pk)
    until_may = listed(department=company.sales.pk, end="2026-05-31")
    response = listed(department=company.sales.pk, start="1900-01-01", end="2026-05-31")
    assert "Choose a date from 2000-01-01 to 2100-12-31." in response.content.decode()
    assert not_applied(response) == ["Proposed from"]
    assert listed_ids(response) == listed_ids(until_may)
    assert company.e[9].pk in listed_ids(response)
    assert listed_ids(response) < listed_ids(everything)


def test_an_unreadable_date_is_left_out_and_the_search_applies(listed, company):
    response = listed(q="Priya", start="tomorrow")
    assert "Enter a valid date." in response.content.decode()
    assert not_applied(response) == ["Proposed from"]
    assert listed_ids(response) == listed_ids(listed(q="Priya"))
    assert response.context["total"] == 3


@pytest.mark.parametrize(
    "bad",
    [{"state": "finished"}, {"department": "999999"}, {"program": "999999"}, {"q": "x" * 101}],
)
def test_an_unknown_choice_or_a_too_long_search_is_left_out_and_said_to_be(listed, company, bad):
    good = {"department": company.marketing.pk, "state": "completed"}
    response = listed(**(good | bad))
    (name,) = bad
    field = response.context["form"][name]
    assert field.errors
    assert not_applied(response) == [field.label]
    html = response.content.decode()
    assert "These filters were not applied" in html
    for error in field.errors:
        assert error in html
    # What remains valid still applies.
    expected = listed(**{k: v for k, v in good.items() if k != name})
    assert listed_ids(response) == listed_ids(expected)
    assert response.context["total"] == expected.context["total"] < 9


def test_a_bad_facet_is_left_out_and_the_report_facets_beside_it_still_apply(listed, company):
    response = listed(peers="maybe", thanked="yes")
    html = response.content.decode()
    assert not_applied(response) == ["With peers"]
    assert "With peers: Select a valid choice." in html
    # Thanked: only E1. The valid facet is still kept (as a hidden field) and said.
    assert listed_ids(response) == {company.e[1].pk}
    assert "Thanked: Yes" in html and 'name="thanked" value="yes"' in html
    assert 'name="peers"' not in html


def test_valid_filters_say_nothing_was_left_out(listed, company):
    response = listed(state="completed", department=company.marketing.pk, start="2026-06-01")
    assert not_applied(response) == []
    assert 'id="not-applied"' not in response.content.decode()
    assert listed_ids(response) == {company.e[1].pk}


def test_each_report_facet_can_be_removed_alone_and_the_rest_stay(listed, company):
    """A report's figure sets several facets; each chip links to the list without it,
    the other facets and filters kept, and no page cursor carried over."""
    kept = {"department": str(company.marketing.pk)}
    both = listed(**kept, peers="no", thanked="yes", after=5, after_at="2026-06-30")
    links = {label: without for field, label, value, without in both.context["facets"]}
    assert set(links) == {"With peers", "Thanked"}
    html = both.content.decode()
    assert 'aria-label="Remove the filter Thanked: Yes"' in html
    for without in links.values():
        assert f'href="?{without}"'.replace("&", "&amp;") in html
        assert "after" not in without and f"department={company.marketing.pk}" in without
    no_thanks = listed(**dict(pair.split("=") for pair in links["Thanked"].split("&")))
    assert [label for _, label, *_ in no_thanks.context["facets"]] == ["With peers"]
    assert listed_ids(no_thanks) == listed_ids(listed(**kept, peers="no"))
    assert listed_ids(no_thanks) > listed_ids(listed(**kept, peers="no", thanked="yes"))
