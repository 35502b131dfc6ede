"""Every page costs the same whatever the history behind it (issue 11): the same number
of queries and about the same response for a person with 20 engagements and with 300;
long lists come a page at a time, with nothing lost or repeated across pages."""

import datetime as dt
import html
import re

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagements.models import Engagement, Notification, Participant, Program, WrapUp
from engagements.paging import NewestFirst, _counting_sql, counted_for
from engagements.views.home import HISTORY_PAGE
from tests.factories import EmployeeFactory, engagement_between

State = Engagement.State
OVER = [State.COMPLETED, State.DECLINED, State.EXPIRED, State.CANCELLED, State.WITHDRAWN]
DETAIL_LINK = re.compile(r'href="/engagements/(\d+)/"')
OLDER = re.compile(r'rel="next" href="([^"]+)"')
NEWER = re.compile(r'rel="prev" href="([^"]+)"')


def add_history(person, n: int, *, start: int = 0, peer_every: int = 3) -> list[Engagement]:
    """n engagements that ended over a year ago, with `person` as protégé and mentor in
    turn and a peer in every `peer_every`-th (none if 0), each with a read notification:
    what two years of use leave behind."""
    others = EmployeeFactory.create_batch(2, level=3)
    program = Program.default()
    long_ago = timezone.now() - dt.timedelta(days=400)
    as_protege, as_mentor, as_peer = (person, others[0]), (others[0], person), others

    def role(i: int) -> tuple:
        if peer_every and i % peer_every == peer_every - 1:
            return as_peer
        return (as_protege, as_mentor)[(i % peer_every if peer_every else i) % 2]

    rows = []
    for i in range(start, start + n):
        protege, mentor = role(i)
        when = long_ago + dt.timedelta(hours=i)
        title = f"Engagement of long ago {i:04d}"
        rows.append(ended(program, protege, mentor, when, i, title=title))
    created = Engagement.objects.bulk_create(rows)
    Participant.objects.bulk_create(
        Participant(engagement=e, employee=person, answer=Participant.Answer.ACCEPTED)
        for i, e in enumerate(created, start)
        if role(i) is as_peer
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            engagement=e,
            kind=Notification.Kind.COMPLETED,
            created_at=e.closed_at,
            due_at=e.closed_at,
            sent_at=e.closed_at,
            read_at=e.closed_at,
        )
        for e in created
    )
    return created


def add_company(n: int, *, people: int = 20) -> None:
    """n engagements between other people: the rest of the company, in a company's
    proportions (of 100: 4 running, 1 waiting for an answer, 5 ended this month), so
    that the planner chooses as it would at a company's size: from the person's rows,
    not from every engagement in a state, and only the current ones. With more
    `people`, each has fewer, and a busy person is far above the planner's average."""
    staff = EmployeeFactory.create_batch(people, level=3)
    program = Program.default()
    now = timezone.now()
    rows = []
    for i in range(n):
        protege, mentor = staff[i % people], staff[(i + 1 + i // people) % people]
        row = ended(program, protege, mentor, now, i, title=f"#{i}")
        row.proposed_at = row.decided_at = now - dt.timedelta(days=200)
        row.closed_at = row.decided_at + dt.timedelta(days=14)
        if i % 25 == 0:
            row.state, row.closed_at = State.ACTIVE, None
        elif i % 100 == 1:
            row.state, row.decided_at, row.closed_at = State.PROPOSED, None, None
        elif i % 20 == 2:
            row.state, row.closed_at = State.COMPLETED, now - dt.timedelta(days=5)
        rows.append(row)
    Engagement.objects.bulk_create(rows)


def ended(program, protege, mentor, when: dt.datetime, i: int, *, title: str) -> Engagement:
    """An engagement proposed and decided then, over two weeks later (unsaved)."""
    return Engagement(
        program=program,
        protege=protege,
        mentor=mentor,
        title=title,
        state=OVER[i % len(OVER)],
        start_date=when.date(),
        end_date=when.date() + dt.timedelta(days=14),
        budget_minutes=180,
        proposed_at=when,
        decided_at=when,
        closed_at=when + dt.timedelta(days=14),
    )


def cost(
    client, path: str, *, post: dict | None = None, htmx: bool = False
) -> tuple[int, int, int]:
    """Queries, bytes and table rows read by one request, with nothing cached
    beforehand."""
    cache.clear()
    caches["template_fragments"].clear()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as queries:
        if post is None:
            response = client.get(path, **headers)
        else:
            response = client.post(path, post, **headers)
    assert response.status_code == 200
    return len(queries), len(response.content), rows_read(q["sql"] for q in queries)


def rows_read(statements) -> int:
    """The table rows PostgreSQL's scans return or filter away for these statements
    (EXPLAIN ANALYZE, after ANALYZE): what a query's work grows with."""
    return sum(scanned(plan) for plan in plans_of(statements))


def plans_of(statements, *options: str):
    """The plan of each query among these statements, EXPLAIN (ANALYZE, *options), after
    ANALYZE.

    The planner is asked to plan as it does at a company's size, where a few rows are
    looked up one by one: a test's tables are so small that reading one whole, for a
    sequential scan or a hash or merge join, is cheapest, and that would hide whether
    an index can serve the query."""
    settings = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
    explain = ", ".join(["ANALYZE", *options, "FORMAT JSON"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("; ".join(f"SET {name} = off" for name in settings))
        try:
            for sql in statements:
                # A UNION's SQL may open with its first part's parenthesis.
                if sql.lstrip().lstrip("(").upper().startswith(("SELECT", "WITH")):
                    cursor.execute(f"EXPLAIN ({explain}) {sql}")
                    yield cursor.fetchone()[0][0]["Plan"]
        finally:
            cursor.execute("; ".join(f"RESET {name}" for name in settings))


# A row looked up by its primary key for each row of the outer side of a join: a joined
# person, say. It adds nothing the outer side's rows do not already count, and whether
# the planner caches these lookups (Memoize) depends on the test's tiny statistics.
BY_PRIMARY_KEY = re.compile(r"^\(id = [^()]+\)$")


def scanned(node: dict) -> int:
    """Rows of the table scans in a plan. A bitmap index scan's rows are not counted:
    its heap scan counts them, once they are seen to be live (the suite's rolled-back
    tests leave dead index entries behind); nor a lookup by primary key for each row
    of a join's outer side (BY_PRIMARY_KEY)."""
    own = 0
    by_key = BY_PRIMARY_KEY.match(node.get("Index Cond", "")) and node.get(
        "Index Name", ""
    ).endswith("_pkey")
    if "Scan" in node["Node Type"] and node["Node Type"] != "Bitmap Index Scan" and not by_key:
        loops = node.get("Actual Loops", 1)
        own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return own + sum(scanned(child) for child in node.get("Plans", []))


SUGGESTIONS_FORM = {
    "goals-TOTAL_FORMS": "1",
    "goals-INITIAL_FORMS": "0",
    "goals-0-description": "Get better at negotiation",
    "activities-TOTAL_FORMS": "0",
    "activities-INITIAL_FORMS": "0",
}
PAGES = {
    # page: (whose history, who asks, path, POST data, htmx)
    "my engagements": ("mentor", "mentor", "/engagements/", None, False),
    "mentor inbox": ("mentor", "mentor", "/engagements/inbox/", None, False),
    "directory home": ("protege", "protege", "/directory/", None, False),
    "suggestions": (
        "protege",
        "protege",
        "/engagements/new/?redraw=suggestions",
        SUGGESTIONS_FORM,
        True,
    ),
    "programme list": ("mentor", "admin", "/engagements/programme/", None, False),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_with_20_or_300_engagements_behind_it(
    page, request, as_user, protege, mentor, admin
):
    whose, who, path, post, htmx = PAGES[page]
    person = request.getfixturevalue(whose)
    engagement_between(protege, mentor, state="proposed")
    engagement_between(protege, mentor, state="active")
    client = as_user(request.getfixturevalue(who))
    add_company(3000)

    # 20 already fill the notification feed (15) and 35 the programme's first page (30).
    # A person is a peer in few engagements: one in ten here.
    add_history(person, 35 if page == "programme list" else 20, peer_every=10)
    small = cost(client, path, post=post, htmx=htmx)
    added = add_history(
        person, 300 - 35 if page == "programme list" else 280, start=1000, peer_every=10
    )
    large = cost(client, path, post=post, htmx=htmx)

    assert large[0] == small[0], f"{page}: {small[0]} queries, then {large[0]}"
    assert abs(large[1] - small[1]) < 1024, f"{page}: {small[1]} bytes, then {large[1]}"
    # 280 more engagements behind the person: a query that read them all grows by 280
    # rows at least (the inbox's "Recently answered" and my engagements both did). Only
    # the person's peer answers are read whole by my engagements (`involving`): each
    # answer, and its engagement in the peer part and again in the current filter.
    peers = sum(1 for e in added if person not in (e.protege, e.mentor))
    allowed = 40 + (3 * peers if page == "my engagements" else 0)
    grown = large[2] - small[2]
    assert grown < allowed, f"{page}: {small[2]} rows read, then {large[2]}"


def test_a_mentors_profile_costs_the_same_whatever_their_history(as_user, protege, mentor):
    """Of a mentor's history, their profile reads only the completed engagements: the
    tally counts them (up to a cap), and the thank-you notes are those of the last few
    to end, found from them (the plan may read them all or walk the newest: a test's
    statistics make it read all)."""
    add_company(3000)
    client = as_user(protege)
    path = mentor.get_absolute_url()

    def thanked(engagements: list[Engagement]) -> int:
        completed = [e for e in engagements if e.state == State.COMPLETED and e.mentor == mentor]
        WrapUp.objects.bulk_create(
            WrapUp(engagement=e, thank_you=f"Thank you for {e.title}", thanked_at=e.closed_at)
            for e in completed
        )
        return len(completed)

    thanked(add_history(mentor, 60, peer_every=10))  # five notes and more
    small = cost(client, path)
    counted = thanked(add_history(mentor, 240, start=1000, peer_every=10))
    large = cost(client, path)

    assert large[0] == small[0], f"{small[0]} queries, then {large[0]}"
    assert abs(large[1] - small[1]) < 256, f"{small[1]} bytes, then {large[1]}"
    grown = large[2] - small[2]
    assert grown < 40 + 2 * counted, f"{small[2]} rows read, then {large[2]} ({counted} more)"
    page = client.get(path).content.decode()
    # The notes of the engagements that ended last: the newest of the second batch.
    newest = Engagement.objects.filter(mentor=mentor, state=State.COMPLETED).order_by("-closed_at")[
        :5
    ]
    assert [e.title for e in newest] == re.findall(
        r"Thank you for (Engagement of long ago \d+)", page
    )
    completed = Engagement.objects.filter(mentor=mentor, state=State.COMPLETED).count()
    assert f"<strong>{completed}</strong> engagements mentored" in page


def test_my_engagements_shows_what_is_current_and_leaves_the_past_to_the_history(
    as_user, protege, mentor
):
    proposed = engagement_between(protege, mentor, state="proposed", title="Pricing talks")
    past = add_history(mentor, 3)
    page = as_user(mentor).get("/engagements/").content.decode()
    assert "Pricing talks" in page
    assert "Accept or decline this proposal" in page
    assert past[0].get_absolute_url() not in page  # (its notification may still show)
    assert 'href="/engagements/history/"' in page
    assert proposed.get_absolute_url() in page


def test_my_history_pages_hold_every_engagement_once(as_user, mentor, outsider):
    past = add_history(mentor, 60)
    add_history(outsider, 4)  # someone else's history stays out
    client = as_user(mentor)
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"/engagements/history/?page={number}").content.decode()
        seen += [int(pk) for pk in DETAIL_LINK.findall(page)]
    expected = {e.pk for e in past}
    assert len(seen) == len(set(seen)), "an engagement was shown twice"
    assert set(seen) == expected
    assert len(seen) == 60


def test_an_empty_history_is_a_page_that_says_so(as_user, outsider):
    # Someone new, or a peer whose only engagement they left: one page, with nothing on it.
    page = as_user(outsider).get("/engagements/history/")
    assert page.status_code == 200
    assert "Nothing yet." in page.content.decode()


@pytest.mark.parametrize("cap", [2_000, 50])
def test_my_history_counts_every_engagement_past_its_cap_too(
    as_user, mentor, outsider, monkeypatch, cap
):
    """Up to HISTORY_COUNTED_UP_TO the count is compiled once; a longer history is
    counted by the ORM, the same."""
    monkeypatch.setattr("engagements.paging.HISTORY_COUNTED_UP_TO", cap)
    add_history(mentor, 60)  # a peer in one in three
    add_history(outsider, 4)
    engagement_between(EmployeeFactory(), mentor, state="draft")  # the protégé's alone
    page = as_user(mentor).get("/engagements/history/").content.decode()
    assert "60 engagements" in page and "Page 1 of 3" in page
    assert NewestFirst(mentor).count() == 60 == Engagement.objects.involving(mentor).count()


def test_a_mentors_tally_stops_at_its_cap(as_user, protege, mentor, monkeypatch):
    monkeypatch.setattr("engagements.views.people.MENTORED_UP_TO", 3)
    for _ in range(4):
        engagement_between(EmployeeFactory(), mentor, state="completed")
    page = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "<strong>3+</strong> engagements mentored" in page
    monkeypatch.setattr("engagements.views.people.MENTORED_UP_TO", 4)
    page = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "<strong>4</strong> engagements mentored" in page


def test_a_page_of_my_history_reads_the_newest_few_whatever_my_history(transactional_db, mentor):
    """Page 1 reads each role's newest 25 through the (person, created_at) indexes,
    not all of a busy mentor's engagements sorted, though the plan is made for any
    person (directory.compiled) and the average person has ten. (The peer part reads
    all of the person's peer answers: a person is a peer in few engagements.)"""
    add_company(3000, people=300)

    def page_one() -> int:
        with connection.cursor() as cursor:
            # As autovacuum keeps a company's tables: what an index-only scan relies on
            # (outside a transaction, hence `transactional_db`).
            cursor.execute("VACUUM engagements_engagement")
        with CaptureQueriesContext(connection) as queries:
            assert len(NewestFirst(mentor)[0:HISTORY_PAGE]) == HISTORY_PAGE
        return rows_read(q["sql"] for q in queries)

    add_history(mentor, 60, peer_every=0)  # a page and more of each role
    small = page_one()
    add_history(mentor, 400, peer_every=0, start=1000)
    large = page_one()
    assert large - small < 30, f"{small} rows read, then {large}"


def blocks_read(statements) -> int:
    """The buffer blocks these statements touch (EXPLAIN (ANALYZE, BUFFERS)), planned as
    at a company's size (`plans_of`): unlike rows read, it counts a row looked up by its
    primary key for each row of a join."""
    return sum(
        plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
        for plan in plans_of(statements, "BUFFERS")
    )


def test_a_deep_page_of_my_history_costs_what_page_one_does(transactional_db, mentor):
    """A page's ids are sorted from the indexes' (id, created_at) pairs, then only its
    rows read: page 8 reads the newest 200 of each role as index entries, not as 200
    rows each joined to its people (1 900 blocks for the busy mentor, ~8 times page 1)."""
    add_company(3000, people=300)
    add_history(mentor, 260, peer_every=0)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM engagements_engagement")  # as autovacuum keeps it

    def blocks(number: int) -> int:
        start = (number - 1) * HISTORY_PAGE
        with CaptureQueriesContext(connection) as queries:
            shown = NewestFirst(mentor)[start : start + HISTORY_PAGE]
        assert len(shown) == HISTORY_PAGE
        return blocks_read(q["sql"] for q in queries)

    first, deep = blocks(1), blocks(8)
    assert deep < first + 60, f"page 1: {first} blocks, page 8: {deep}"


def test_my_history_takes_any_page_parameter_without_error(as_user, mentor):
    add_history(mentor, 3)
    client = as_user(mentor)
    for junk in ("0", "-4", "abc", "99999", "1" * 40):
        response = client.get("/engagements/history/", {"page": junk})
        assert response.status_code == 200
        assert "Engagement of long ago" in response.content.decode()


def test_programme_pages_hold_every_engagement_once_even_with_equal_times(as_user, admin, mentor):
    rows = add_history(mentor, 70)
    # Ten engagements proposed in the same instant: the id breaks the tie.
    same = rows[0].proposed_at
    Engagement.objects.filter(pk__in=[e.pk for e in rows[20:30]]).update(proposed_at=same)
    client = as_user(admin)
    url, pages, seen = "/engagements/programme/", [], []
    while url:
        body = client.get(url).content.decode()
        pages.append([int(pk) for pk in DETAIL_LINK.findall(body)])
        seen += pages[-1]
        older = OLDER.search(body)
        url = "/engagements/programme/" + html.unescape(older.group(1)) if older else ""
    assert len(seen) == len(set(seen)) == 70
    assert set(seen) == {e.pk for e in rows}
    assert [len(p) for p in pages] == [30, 30, 10]
    # Back from the last page: the page before it, as it was.
    newer = NEWER.search(body)
    back = client.get("/engagements/programme/" + html.unescape(newer.group(1)))
    assert [int(pk) for pk in DETAIL_LINK.findall(back.content.decode())] == pages[1]


def test_programme_counts_up_to_a_cap(as_user, admin, mentor, monkeypatch):
    monkeypatch.setattr("engagements.views.home.PROGRAMME_COUNTED_UP_TO", 50)
    add_history(mentor, 60)
    page = as_user(admin).get("/engagements/programme/").content.decode()
    assert "50+ engagements" in page


def test_programme_search_finds_title_protege_and_mentor(as_user, admin, protege, mentor):
    by_title = engagement_between(protege, mentor, state="proposed", title="Agency negotiation")
    other = engagement_between(protege, mentor, state="active", title="Pricing")
    client = as_user(admin)

    def found(q):
        body = client.get("/engagements/programme/", {"q": q}).content.decode()
        return {int(pk) for pk in DETAIL_LINK.findall(body)}

    assert found("NEGOTIAT") == {by_title.pk}
    assert found("okafor") == {by_title.pk, other.pk}
    assert found("priya pat") == {by_title.pk, other.pk}
    assert found("nobody at all") == set()


def test_a_bad_cursor_is_the_first_page(as_user, admin, mentor):
    add_history(mentor, 3)
    client = as_user(admin)
    for params in ({"after": "x", "after_at": "y"}, {"before": "-1"}, {"after_at": "2026-13-45"}):
        response = client.get("/engagements/programme/", params)
        assert response.status_code == 200
        assert response.content.decode().count("Engagement of long ago") == 3


def test_the_navigation_counts_unread_waiting_and_programmes_in_one_query(
    as_user, protege, mentor, program
):
    """Every full page shows the unread notifications, the proposals waiting and (for a
    programme admin) the programme's links: one query for the three, on every page."""
    unread_notifications(mentor, engagement_between(protege, mentor, state="proposed"), 120)
    client = as_user(mentor)

    def navigation():
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/directory/").content.decode()
        counting = [
            q["sql"]
            for q in queries
            if "engagements_notification" in q["sql"] or "engagements_program_admins" in q["sql"]
        ]
        return page, counting

    page, counting = navigation()
    assert len(counting) == 1
    assert "99+ unread" in page  # counted no further than the badge shows
    assert re.search(r"Mentor inbox <span class=\"nav-count\">1<", page)
    assert 'href="/engagements/programme/"' not in page

    program.admins.add(mentor)
    page, counting = navigation()
    assert len(counting) == 1
    assert 'href="/engagements/programme/"' in page

    # My engagements shows the unread count beside its feed: the navigation's, not a
    # second count, and it says when there are more than it counted.
    with CaptureQueriesContext(connection) as queries:
        home = client.get("/engagements/").content.decode()
    counts = [q for q in queries if "COUNT(" in q["sql"] and "engagements_notification" in q["sql"]]
    assert len(counts) == 1
    assert re.search(r'id="notifications">Notifications <span class="nav-count">99\+<', home)


def test_the_navigation_is_compiled_once_and_each_person_sees_their_own_counts(
    as_user, protege, mentor, program
):
    """The navigation's SQL is compiled once per process, for a stand-in person, and each
    request swaps in its own person's id (engagements.paging.counted_for)."""
    unread_notifications(mentor, engagement_between(protege, mentor, state="proposed"), 3)
    unread_notifications(protege, Engagement.objects.get(), 5)
    program.admins.add(protege)
    _counting_sql.cache_clear()
    for _ in range(2):
        for person, unread, waiting, admin in ((mentor, 3, 1, False), (protege, 5, 0, True)):
            page = as_user(person).get("/directory/").content.decode()
            assert f'">{unread} unread<span class="visually-hidden">' in page
            assert bool(re.search(r'Mentor inbox <span class="nav-count">1<', page)) == bool(
                waiting
            )
            assert ('href="/engagements/programme/"' in page) == admin
    assert _counting_sql.cache_info().misses == 1


def test_a_navigation_count_must_filter_on_the_person(protege):
    # The stand-in's id is swapped for each person's: a count that ignores it would show
    # everyone the same figure.
    with pytest.raises(ValueError, match="does not filter on the person"):
        counted_for(protege, everyone=(lambda me: Notification.objects.all(), 5))


def unread_notifications(person, engagement, n: int) -> None:
    """Exactly n unread notifications for `person`, and no others."""
    Notification.objects.filter(recipient=person).delete()
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            engagement=engagement,
            kind=Notification.Kind.PROPOSAL_RECEIVED,
            created_at=timezone.now(),
            due_at=timezone.now(),
            occasion=str(i),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("unread, shown", [(99, "99"), (100, "99+"), (250, "99+")])
def test_the_unread_badge_says_99_plus_only_past_99(as_user, protege, mentor, unread, shown):
    unread_notifications(mentor, engagement_between(protege, mentor, state="active"), unread)
    page = as_user(mentor).get("/directory/").content.decode()
    # Beside "My engagements", read aloud as "99+ unread notifications".
    badge = f'{shown} unread<span class="visually-hidden"> notifications</span>'
    assert f'title="Unread notifications">{badge}' in page
    # The narrow screen's "Menu" adds the waiting proposals (none here) and keeps the "+".
    assert f'Menu <span class="nav-count">{shown}<span class="visually-hidden"> new' in page


def test_the_menu_badge_says_plus_when_the_waiting_count_is_capped(
    as_user, protege, mentor, monkeypatch
):
    # A thousand waiting proposals is the real cap; two stand for it here.
    monkeypatch.setattr("mentorship.context_processors.INBOX_BADGE_UP_TO", 2)
    for title in ("One", "Two", "Three"):
        engagement_between(EmployeeFactory(level=2), mentor, state="proposed", title=title)
    unread_notifications(mentor, Engagement.objects.first(), 1)
    page = as_user(mentor).get("/directory/").content.decode()
    assert 'Mentor inbox <span class="nav-count">2+<span class="visually-hidden"> waiting' in page
    assert 'Menu <span class="nav-count">3+<span class="visually-hidden"> new' in page
    assert '">1 unread<span class="visually-hidden"> notifications' in page
