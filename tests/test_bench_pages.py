"""bench/pages.py counts only the answers that were the page asked for: in its 16-connection
bursts a page that answers 500s fast gets no throughput and fails the run (a non-empty
`failures` is what makes main() exit non-zero). No server: `send` is a stub here. And
what the benches expect of a page is what the page shows."""

import http.client

import pytest

from bench import latency, pages
from bench.latency import BASELINE
from tests.factories import EmployeeFactory

FULL_PAGE = "<!doctype html><html><body>My engagements</body></html>"
PAGE = pages.Page("my engagements", "mentor@example.com", "/engagements/")
TRIVIAL = pages.Page("trivial view", "mentor@example.com", BASELINE)


def test_a_burst_counts_only_the_answers_that_were_the_page_asked_for():
    answers = [
        (200, FULL_PAGE, 3.0),
        (500, "Server Error", 0.5),
        (200, "<ul>a partial</ul>", 1.0),  # the partial where the full page was asked for
        (200, FULL_PAGE, 3.0),
    ]
    assert pages.tally(PAGE, answers) == (2, ["status 500", "partial and full page mixed up"])


def test_what_the_page_must_show_is_checked_in_bursts_too():
    expecting = pages.Page("settings", "mentor@example.com", "/settings/", expect="Email settings")
    assert pages.tally(expecting, [(200, FULL_PAGE, 1.0)]) == (
        0,
        ["no Email settings in the response"],
    )


def burst_against(monkeypatch, answer) -> list[pages.Result]:
    """Both bursts of one page, with `answer(page)` standing in for the server."""
    monkeypatch.setattr(pages, "send", lambda client, page: answer(page))
    results = [pages.Result(TRIVIAL), pages.Result(PAGE)]
    clients = {PAGE.persona: pages.Client(port=9)}  # never connects: send is the stub
    pages.sixteen_connections(clients, results, seconds=0.05)
    return results


def test_a_page_that_answers_500s_fast_has_no_throughput_and_fails_the_run(monkeypatch):
    def answer(page):
        return (200, "ok", 0.1) if page.path == BASELINE else (500, "Server Error", 0.1)

    trivial, page = burst_against(monkeypatch, answer)
    assert trivial.rate > 0 and trivial.failures == []
    assert page.rate == 0
    assert page.failures and set(page.failures) == {"status 500"}


def test_a_connection_that_breaks_in_a_burst_fails_the_run(monkeypatch):
    def answer(page):
        if page.path == BASELINE:
            return (200, "ok", 0.1)
        raise http.client.RemoteDisconnected("Remote end closed connection without response")

    trivial, page = burst_against(monkeypatch, answer)
    assert trivial.failures == []
    assert page.rate == 0
    assert len(page.failures) == pages.CONNECTIONS
    assert page.failures[0].startswith("no answer: RemoteDisconnected")


def test_failures_of_the_trivial_view_in_the_bursts_fail_the_run_too(monkeypatch):
    def answer(page):
        return (502, "Bad Gateway", 0.1) if page.path == BASELINE else (200, FULL_PAGE, 0.1)

    trivial, page = burst_against(monkeypatch, answer)
    assert page.rate > 0 and page.failures == []
    assert trivial.failures and set(trivial.failures) == {"status 502"}


def test_a_bench_keeps_its_table_and_fails_when_an_answer_was_wrong(tmp_path, capsys):
    # bench.latency.publish, the end of every bench: the table printed and kept, the
    # wrong answers named, the exit status.
    kept = tmp_path / "results" / "pages.md"
    assert latency.publish("| table |", kept, {}) == 0
    assert kept.read_text() == "| table |"
    assert latency.publish("| table |", kept, {"/inbox/": ["status 500", "status 500"]}) == 1
    printed = capsys.readouterr().out
    assert "| table |" in printed
    assert "/inbox/: 2 bad responses, first: status 500" in printed


@pytest.mark.django_db
def test_each_page_make_bench_times_shows_what_the_bench_expects(protege, as_user):
    """`make bench` failed every run of the directory home for a while: it looked for a
    heading id the page no longer had. The searches, the suggestions and the directory's
    "Suggested for you" as a protégé with a mentor to suggest, asked as the bench asks."""
    EmployeeFactory(full_name="Nia Negotiator", level=4, skills=["Negotiation", "Python"])
    client = as_user(protege)
    for target in latency.targets():
        headers = {"HTTP_HX_REQUEST": "true"} if target.htmx else {}
        if target.form:
            response = client.post(target.path, target.form, **headers)
        else:
            response = client.get(target.path, **headers)
        body = response.content.decode()
        assert latency.check(target, response.status_code, body) is None, target.label
