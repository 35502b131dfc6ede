"""Lookups compiled to SQL once per process (directory.compiled): the person behind a
login, the programme, an engagement with everything its page shows. Each gives the same
instances as its queryset, for its own value, on PostgreSQL and on the embedded default
(SQLite)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.compiled import Compiled, shown_only
from directory.logins import employee_of
from directory.models import Employee
from engagements.access import _ENGAGEMENT, engagement_for
from engagements.models import Engagement, Event, Meeting, Notification, Program, WrapUp
from engagements.models.engagement import ids_involving
from engagements.models.programme import _DEFAULT
from engagements.paging import (
    _HISTORY_ROWS,
    HISTORY_COUNTED_UP_TO,
    NewestFirst,
    _counting_sql,
    _history_ids_sql,
)
from engagements.views.decisions import _RECENTLY_ANSWERED, _WAITING, mentor_options
from engagements.views.engagement import _EVENTS, _MEETINGS
from engagements.views.home import (
    _CURRENT,
    _LISTED,
    _NOTIFICATIONS,
    HISTORY_PAGE,
    RECENTLY_ENDED,
    _current,
)
from engagements.views.people import _INTERESTS, _PROFILE, _SKILLS, _TEAMMATES, _THANKS
from tests.embedded import manage_embedded
from tests.factories import EmployeeFactory, engagement_between
from tests.test_scale import add_company, add_history

pytestmark = pytest.mark.django_db


def snapshot(obj, above=()):
    """What an instance holds: its fields, the related rows read with it (select_related)
    and the lists prefetched for it, each the same way."""
    if obj is None:
        return None
    if obj in above:  # a row cached back on its parent (a peer's engagement)
        return ("the same", type(obj).__name__, obj.pk)
    above = (*above, obj)
    found = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    found["related"] = {k: snapshot(v, above) for k, v in obj._state.fields_cache.items()}
    found["prefetched"] = {
        k: [snapshot(x, above) for x in v]
        for k, v in getattr(obj, "_prefetched_objects_cache", {}).items()
    }
    found["db"] = obj._state.db, obj._state.adding
    return found


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_each_page_reads_the_same_engagement_as_its_queryset(protege, mentor, as_user):
    peer = EmployeeFactory(full_name="Ana Lima")
    engagement = engagement_between(protege, mentor, goals=2, peers=[peer])
    orm = (
        Engagement.objects.for_cards()
        .select_related("program", "follows", "wrap_up__next_mentor")
        .get(pk=engagement.pk)
    )
    with CaptureQueriesContext(connection) as queries:
        compiled = engagement_for(request_of(protege.user), engagement.pk).engagement
    assert snapshot(compiled) == snapshot(orm)
    assert len(snapshot(compiled)["prefetched"]["participants"]) == 1
    assert snapshot(compiled)["related"]["protege"]["related"]["department"] is not None
    # The person, the engagement with its joins, then goals, activities and peers.
    assert len(queries) == 5, [q["sql"][:80] for q in queries]
    assert as_user(mentor).get(f"/engagements/{engagement.pk}/").status_code == 200


def test_the_person_and_the_programme_are_the_querysets(protege, mentor):
    for person in (protege, mentor):
        orm = Employee.objects.select_related("department").get(user=person.user)
        assert snapshot(employee_of(request_of(person.user))) == snapshot(orm)
    assert snapshot(Program.default()) == snapshot(Program.objects.get(is_default=True))


def test_compiled_once_then_each_call_with_its_own_value(protege, mentor):
    built = []

    def build(pk):
        built.append(pk)
        return Employee.objects.filter(pk=pk)

    lookup = Compiled(build)
    assert [lookup.first(p.pk) for p in (protege, mentor, protege)] == [protege, mentor, protege]
    assert lookup.first(-1) is None and lookup.all(-1) == []
    assert len(built) == 1


def test_an_id_no_column_can_hold_is_nobody_without_asking_the_database(protege, as_user):
    lookup = Compiled(lambda pk: Employee.objects.filter(pk=pk))
    with CaptureQueriesContext(connection) as queries:
        assert lookup.all(2**63) == [] and lookup.first(-(2**63) - 1) is None
    assert not queries
    response = as_user(protege).get("/engagements/99999999999999999999/")
    assert response.status_code == 404


def test_a_lookup_that_ignores_its_value_is_refused():
    # Each call swaps its value for the stand-in's: SQL without it would give everyone
    # the same row.
    with pytest.raises(ValueError, match="does not use the stand-in"):
        Compiled(lambda pk: Employee.objects.filter(is_active=True)).first(1)


# The same comparisons on `make run`'s database (SQLite turns dates and booleans into
# Python values with converters, which the compiled lookups apply as the ORM does).
SQLITE_SCRIPT = """
from django.test import RequestFactory
from django.utils import timezone

from directory.logins import employee_of
from directory.models import Employee
from engagements.access import engagement_for
from engagements.models import Engagement, Program
from engagements.views.home import _CURRENT, RECENTLY_ENDED, _current
from tests.test_compiled import snapshot

assert snapshot(Program.default()) == snapshot(Program.objects.get(is_default=True))
seen = shown = 0
for engagement in Engagement.objects.exclude(state="draft").order_by("pk")[:20]:
    request = RequestFactory().get("/")
    request.user = engagement.protege.user or engagement.mentor.user
    if request.user is None:
        continue
    me = Employee.objects.select_related("department").get(user=request.user)
    assert snapshot(employee_of(request)) == snapshot(me)
    orm = (
        Engagement.objects.for_cards()
        .select_related("program", "follows", "wrap_up__next_mentor")
        .get(pk=engagement.pk)
    )
    assert snapshot(engagement_for(request, engagement.pk).engagement) == snapshot(orm)
    # My engagements: a moment among the values (SQLite's is text).
    since = timezone.now() - RECENTLY_ENDED
    current = [snapshot(e) for e in _CURRENT.all(me.pk, since)]
    assert current == [snapshot(e) for e in _current(me.pk, since)]
    seen, shown = seen + 1, shown + len(current)
assert seen >= 3 and shown >= 3, (seen, shown)
"""


def test_the_embedded_default_reads_the_same_instances(tmp_path):
    manage_embedded(
        tmp_path,
        ["migrate", "--no-input", "-v", "0"],
        ["seed_demo", "--employees", "60"],
        ["shell", "-c", SQLITE_SCRIPT],
    )


def compiled_during(client, url: str) -> list[str]:
    """The SQL Django's compiler wrote while serving `url` (subqueries included)."""
    from django.db.models.sql.compiler import SQLCompiler

    written, as_sql = [], SQLCompiler.as_sql

    def recording(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        written.append(sql)
        return sql, params

    SQLCompiler.as_sql = recording
    try:
        assert client.get(url).status_code == 200
    finally:
        SQLCompiler.as_sql = as_sql
    return written


def test_pages_compile_no_sql_for_what_they_read_on_every_visit(protege, mentor, as_user):
    """What every page reads (the person, the programme) and what the engagement page,
    the inbox and a profile read on every visit is compiled once per process, not on each
    request: the ORM's compiler was most of what these lookups cost (~0.75 ms of the
    person's ~0.9, more for the engagement's eleven-table join)."""
    engagement = engagement_between(protege, mentor)
    engagement_between(EmployeeFactory(), mentor, state="proposed")
    lookups = [
        _ENGAGEMENT,
        _DEFAULT,
        _WAITING,
        _RECENTLY_ANSWERED,
        _PROFILE,
        _TEAMMATES,
        _CURRENT,
        _NOTIFICATIONS,
        _EVENTS,
        _MEETINGS,
        _THANKS,
        _SKILLS,
        _INTERESTS,
        _HISTORY_ROWS,
    ]
    for person, url in (
        (protege, "/engagements/new/"),
        (mentor, "/engagements/"),
        (mentor, "/engagements/history/"),
        (protege, f"/engagements/{engagement.pk}/"),
        (mentor, "/engagements/inbox/"),
        (mentor, f"/engagements/{engagement.pk}/"),
        (protege, f"/directory/people/{mentor.pk}/"),
    ):
        client = as_user(person)
        compiled_during(client, url)  # the first request of a process compiles them
        written = compiled_during(client, url)
        person_of_login = [
            s for s in written if 'FROM "directory_employee"' in s and '"user_id" =' in s
        ]
        assert person_of_login == [], url
        lists = ("goal", "activity", "participant")
        prefetched = [
            s for s in written for t in lists if s.startswith(f'SELECT "engagements_{t}"')
        ]
        assert prefetched == [], url
        assert set(written).isdisjoint(lookup.sql for lookup in lookups), url


def test_the_inbox_and_a_profile_read_what_their_querysets_read(protege, mentor, as_user):
    waiting = [engagement_between(EmployeeFactory(), mentor, state="proposed") for _ in range(2)]
    engagement_between(protege, mentor, peers=[EmployeeFactory()])
    engagement_between(EmployeeFactory(), mentor, state="declined")
    orm_waiting = (
        Engagement.objects.for_mentor(mentor)
        .proposed()
        .for_cards(mentors_known=True)
        .select_related("program")
        .defer(*shown_only("protege", Employee, "full_name", "title", "department"))
        .defer(*shown_only("program", Program, "time_zone"))
        .order_by("proposed_at", "pk")
    )
    assert [snapshot(e) for e in _WAITING.all(mentor.pk)] == [snapshot(e) for e in orm_waiting]
    assert [e.pk for e in _WAITING.all(mentor.pk)] == [e.pk for e in waiting]
    orm_recent = (
        Engagement.objects.for_mentor(mentor)
        .exclude(state__in=["draft", "proposed"])
        .select_related("protege")
        .defer(*shown_only("protege", Employee, "full_name"))  # the name is what it shows
        .order_by("-decided_at", "-pk")[:10]
    )
    recent = _RECENTLY_ANSWERED.all(mentor.pk)
    assert len(recent) == 2 and [snapshot(e) for e in recent] == [snapshot(e) for e in orm_recent]

    boss = EmployeeFactory(full_name="Zoe Boss")
    team = [EmployeeFactory(full_name=f"Member {n}", manager=boss) for n in "BCA"]
    EmployeeFactory(full_name="Member D", manager=boss, is_active=False)
    mentor.manager = boss
    mentor.save()
    orm_profile = (
        Employee.objects.select_related("department", "manager")
        .prefetch_related(
            Prefetch("reports", queryset=Employee.objects.active().select_related("department"))
        )
        .get(pk=boss.pk)
    )
    assert snapshot(_PROFILE.first(boss.pk)) == snapshot(orm_profile)
    # The skills and the interests, each by name, as the person's own lists read them.
    assert [s.name for s in _SKILLS.all(mentor.pk)] == ["Enterprise sales", "Negotiation"]
    for person in (mentor, protege, boss):
        assert [snapshot(s) for s in _SKILLS.all(person.pk)] == [
            snapshot(s) for s in person.skills.all()
        ]
        assert [snapshot(s) for s in _INTERESTS.all(person.pk)] == [
            snapshot(s) for s in person.interests.all()
        ]
    assert [s.name for s in _INTERESTS.all(protege.pk)] == ["Negotiation"]
    assert len(orm_profile.reports.all()) == 4  # the mentor and three active members
    # Two values, each in its own place: the manager's team, without the person.
    assert [e.full_name for e in _TEAMMATES.all(boss.pk, mentor.pk)] == [
        "Member A",
        "Member B",
        "Member C",
    ]
    assert _TEAMMATES.all(mentor.pk, boss.pk) == []  # the mentor manages no one
    page = as_user(protege).get(f"/directory/people/{mentor.pk}/").content.decode()
    assert page.count("Member ") == 3 and "Member D" not in page
    assert as_user(protege).get(f"/directory/people/{team[0].pk + 999}/").status_code == 404


def test_my_engagements_reads_what_its_queryset_reads_since_the_moment_given(
    protege, mentor, as_user
):
    peer = EmployeeFactory()
    running = engagement_between(protege, mentor, peers=[peer])
    ended = engagement_between(protege, mentor, state="completed")
    engagement_between(EmployeeFactory(), mentor, state="proposed")
    for person in (protege, mentor, peer):
        since = timezone.now() - RECENTLY_ENDED
        assert [snapshot(e) for e in _CURRENT.all(person.pk, since)] == [
            snapshot(e) for e in _current(person.pk, since)
        ]
    # The moment is a value of its own: ended a moment ago is current since an hour ago,
    # not since a minute from now.
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    assert ended in _CURRENT.all(protege.pk, an_hour_ago)
    later = _CURRENT.all(protege.pk, timezone.now() + dt.timedelta(minutes=1))
    assert running in later and ended not in later
    assert [n.pk for n in _NOTIFICATIONS.all(mentor.pk)] == [
        n.pk
        for n in Notification.objects.filter(recipient=mentor).order_by("-created_at", "-pk")[:15]
    ]
    assert _NOTIFICATIONS.all(mentor.pk)
    with pytest.raises(TypeError):
        _CURRENT.all(protege.pk, an_hour_ago.date())  # a date is not a moment


def test_the_engagement_pages_lists_read_what_their_querysets_read(protege, mentor):
    engagement = engagement_between(protege, mentor, state="completed")
    Meeting.objects.bulk_create(
        Meeting(engagement=engagement, held_on=dt.date(2026, 11, d), minutes=30, logged_by=who)
        for d, who in ((3, mentor), (1, protege), (2, mentor))
    )
    WrapUp.objects.update_or_create(
        engagement=engagement, defaults={"thank_you": "Thank you!", "thanked_at": timezone.now()}
    )
    colleagues = [
        EmployeeFactory(full_name=name, skills=["Negotiation"], open_to_mentoring=open_)
        for name, open_ in (("Cara", True), ("Abe", True), ("Bo", False))
    ]
    EmployeeFactory(full_name="Dee", skills=["Copywriting"])
    pairs = [
        # (not engagement.events: it caches the engagement on each row, which the page
        # never reads)
        (
            _EVENTS.all(engagement.pk),
            Event.objects.filter(engagement=engagement)
            .select_related("actor")
            .defer(*shown_only("actor", Employee, "full_name")),
        ),
        (
            _MEETINGS.all(engagement.pk),
            Meeting.objects.filter(engagement=engagement)
            .select_related("logged_by")
            .defer(*shown_only("logged_by", Employee, "full_name")),
        ),
        (_THANKS.all(mentor.pk), WrapUp.objects.thanks_for(mentor)[:5]),
    ]
    for compiled, orm in pairs:
        assert [snapshot(x) for x in compiled] == [snapshot(x) for x in orm]
    events, meetings, thanks = (compiled for compiled, _ in pairs)
    # The colleagues offered are read once per mentor per few minutes: not compiled.
    options = mentor_options(mentor).people
    assert len(events) >= 3 and [m.held_on.day for m in meetings] == [1, 2, 3]
    assert [t.thank_you for t in thanks] == ["Thank you!"]
    assert [o.full_name for o in options] == ["Abe", "Cara"]
    # Bo shares the skill but is not taking requests: left out, as by the queryset.
    assert [c.full_name for c in colleagues if c not in options] == ["Bo"]


def test_a_list_of_ids_is_compiled_once_for_each_length(protege, mentor, monkeypatch):
    people = [protege, mentor, *EmployeeFactory.create_batch(3)]
    built = []

    def by_ids(ids: list[int]):
        built.append(len(ids))
        return Employee.objects.filter(pk__in=ids).select_related("department")

    lookup = Compiled(by_ids)
    for ids in ([p.pk for p in people[:2]], [p.pk for p in people[2:]], [people[4].pk, -1]):
        orm = Employee.objects.filter(pk__in=ids).select_related("department")
        assert [snapshot(e) for e in lookup.all(ids)] == [snapshot(e) for e in orm]
    assert built == [2, 3]  # the third list is two long too
    with CaptureQueriesContext(connection) as queries:
        assert lookup.all([]) == [] and lookup.all([2**63]) == []  # nothing to ask
    assert not queries
    with pytest.raises(TypeError):
        lookup.all(["1"])
    monkeypatch.setattr("directory.compiled.MOST_IN_A_LIST", 4)
    assert {e.pk for e in lookup.all([p.pk for p in people])} == {p.pk for p in people}
    assert built == [2, 3, 5]  # longer than the most: the ORM's, compiled as it comes


def test_the_programme_list_reads_its_page_by_ids_compiled_once(protege, mentor, as_user):
    for _ in range(3):
        engagement_between(EmployeeFactory(), mentor, state="proposed")
    Program.default().admins.add(protege)
    client = as_user(protege)
    compiled_during(client, "/engagements/programme/")
    written = compiled_during(client, "/engagements/programme/")
    assert [s for s in written if '"engagements_engagement"."id" IN (' in s] == []
    page = client.get("/engagements/programme/").content.decode()
    assert page.count(mentor.full_name) == 3


def prepared(statement: str) -> tuple[int, int]:
    """(generic plans, plans made for the values) of a statement this connection has
    prepared: its SQL as psycopg sends it ($1, $2… for Django's %s)."""
    numbers = iter(range(1, statement.count("%s") + 1))
    sent = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", statement)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [sent],
        )
        return cursor.fetchone() or (0, 0)


def test_postgresql_plans_each_lookup_once_for_any_values(protege, mentor):
    """After its first five calls on a connection, a lookup runs the plan PostgreSQL made
    for any values, never planned again: my engagements and the inbox's lists were
    planned anew on every call (~1 ms of planning for 0.2 ms of work at a company's size)
    when their values were the planner's to see."""
    for _ in range(3):
        engagement_between(EmployeeFactory(), mentor, state="proposed")
    engagement_between(protege, mentor)
    engagement_between(protege, EmployeeFactory(), state="completed")
    add_company(3000)  # the planner's statistics as at a company's size
    add_history(mentor, 200, peer_every=10)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lookups = [
        (_CURRENT, lambda person: (person.pk, timezone.now() - RECENTLY_ENDED)),
        (_WAITING, lambda person: (person.pk,)),
        (_RECENTLY_ANSWERED, lambda person: (person.pk,)),
        (_ENGAGEMENT, lambda person: (Engagement.objects.filter(protege=protege).first().pk,)),
        (_PROFILE, lambda person: (person.pk,)),
    ]
    for lookup, values in lookups:
        # psycopg prepares a statement on its sixth run (settings: prepare_threshold), and
        # PostgreSQL plans the first five runs of a prepared statement for their values.
        for _ in range(8):
            for person in (protege, mentor):
                lookup.all(*values(person))
        (plan,) = lookup._plans.values()
        assert "(SELECT %s)" in plan.statement
        assert prepared(plan.statement) == (16 - 5 - 5, 5), lookup.sql
    # So do the history's count and its page's ids (engagements.paging.for_stand_in).
    for _ in range(8):
        for person in (protege, mentor):
            history = NewestFirst(person)
            assert history.count() == Engagement.objects.involving(person).count()
            history[0:HISTORY_PAGE]
    (counting, _) = _counting_sql(((ids_involving, HISTORY_COUNTED_UP_TO),))
    for statement in (counting, _history_ids_sql(0, HISTORY_PAGE)[0]):
        assert "(SELECT %s)" in statement
        assert prepared(statement) == (16 - 5 - 5, 5), statement
    # A lookup of a list of ids keeps Django's SQL: a subquery for each id would be planned.
    ids = list(Engagement.objects.values_list("pk", flat=True)[:3])
    assert len(_LISTED.all(ids)) == len(ids)
    assert _LISTED._plans[(len(ids),)].statement == _LISTED._plans[(len(ids),)].sql


def test_the_people_a_list_names_carry_their_names_only(protege, mentor, django_assert_num_queries):
    """My engagements, my history and my notifications read of each person joined the
    name they show (shown_only), and showing it asks nothing more."""
    engagement = engagement_between(protege, mentor)  # the protégé is told of the accept
    since = timezone.now() - RECENTLY_ENDED
    (current,) = _CURRENT.all(protege.pk, since)
    (listed,) = NewestFirst(protege)[0:HISTORY_PAGE]
    (notified, *_) = _NOTIFICATIONS.all(protege.pk)
    with django_assert_num_queries(0):
        for e in (current, listed):
            assert (e.protege.full_name, e.mentor.full_name) == ("Priya Patel", "Daniel Okafor")
        assert (notified.engagement.title, notified.actor.full_name) == (
            engagement.title,
            "Daniel Okafor",
        )
    for person in (current.protege, current.mentor, listed.mentor, notified.actor):
        assert {"bio", "email", "search_vector", "created_at"} <= person.get_deferred_fields()
    assert "state" in notified.engagement.get_deferred_fields()
