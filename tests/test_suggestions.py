"""Mentor and peer suggestions on small, crafted org charts whose right answer is written
down here: level closeness first, then the network, then load; reasons in words."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.models import Employee, Skill
from directory.skills import _vocabulary, skills_in_text
from engagements import meetings, proposals, transitions
from engagements.matching import holding, suggest_mentors, suggest_peers
from engagements.models import WrapUp
from tests.factories import DepartmentFactory, EmployeeFactory, engagement_between, programme_today

pytestmark = pytest.mark.django_db
NEGOTIATION = ["Negotiation"]


# The propose form's rows as the page sends them: one goal, no activity yet.
EMPTY_ROWS = {
    "goals-TOTAL_FORMS": "1",
    "goals-INITIAL_FORMS": "0",
    "activities-TOTAL_FORMS": "0",
    "activities-INITIAL_FORMS": "0",
}


@pytest.fixture
def org():
    """A protégé at level 2 in Marketing, their manager and CEO (both negotiators),
    a teammate, and negotiators around them in every situation the ranking handles."""
    marketing = DepartmentFactory(name="Marketing")
    sales = DepartmentFactory(name="Sales")
    ceo = EmployeeFactory(full_name="Cea Ceo", level=9, skills=NEGOTIATION, department=sales)
    boss = EmployeeFactory(
        full_name="Mo Manager", level=5, skills=NEGOTIATION, manager=ceo, department=marketing
    )
    me = EmployeeFactory(
        full_name="Pia Protege",
        level=2,
        manager=boss,
        department=marketing,
        interests=NEGOTIATION,
    )
    mate = EmployeeFactory(
        full_name="Tia Teammate",
        level=2,
        manager=boss,
        department=marketing,
        interests=NEGOTIATION,
    )

    def negotiator(name, level, **kwargs):
        return EmployeeFactory(
            full_name=name, level=level, skills=NEGOTIATION, department=sales, **kwargs
        )

    people = {
        "ceo": ceo,
        "boss": boss,
        "me": me,
        "mate": mate,
        "one_above": negotiator("Ann One-Above", 3),
        "networked": negotiator("Ben Networked", 4),
        "loaded": negotiator("Cal Loaded", 3),
        "far_above": negotiator("Dee Far-Above", 6),
        "same_level": negotiator("Eve Same-Level", 2),
        "full": negotiator("Fay Full", 3, mentoring_capacity=1),
        "snoozed": negotiator(
            "Gus Snoozed", 3, snoozed_until=programme_today() + dt.timedelta(days=10)
        ),
        "closed": negotiator("Hal Closed", 3, open_to_mentoring=False),
        "recommended": negotiator("Ida Recommended", 4),
        "hours_used": negotiator("Jo Hours-Used", 3, mentoring_hours_per_month=3),
        "past_mentor": EmployeeFactory(full_name="Kim Past-Mentor", level=4, skills=["Writing"]),
    }
    others = EmployeeFactory.create_batch(3, level=1)
    # Ben mentored Pia's teammate; Cal mentors someone now; Fay is at capacity;
    # Jo has promised 4 h this month against 3 h a month.
    engagement_between(mate, people["networked"], state="completed")
    engagement_between(others[0], people["loaded"])
    engagement_between(others[1], people["full"])
    engagement_between(others[2], people["hours_used"])
    # Pia's past mentor recommended Ida as her next mentor.
    past = engagement_between(me, people["past_mentor"], state="completed", title="Writing")
    meetings.advise_next(
        past,
        by=people["past_mentor"],
        next_area="Negotiation",
        next_mentor=people["recommended"],
    )
    return people


def names(suggestions) -> list[str]:
    return [s.person.full_name for s in suggestions]


def test_mentors_are_ranked_by_level_then_network_then_load(org):
    skills = list(Skill.objects.filter(name="Negotiation"))
    assert names(suggest_mentors(org["me"], skills, limit=10)) == [
        "Ida Recommended",  # 2 above, recommended by a past mentor
        "Ben Networked",  # 2 above, mentored a teammate
        "Ann One-Above",  # 1 above, free
        "Cal Loaded",  # 1 above, one engagement already
        "Dee Far-Above",  # 4 above: expert, but far
        "Eve Same-Level",  # same level: ranked lower, not hidden
    ]


def test_the_manager_and_the_reporting_line_above_are_not_suggested(org):
    found = names(suggest_mentors(org["me"], list(Skill.objects.all()), limit=20))
    assert "Mo Manager" not in found and "Cea Ceo" not in found
    # ...but for someone outside that line they are fine mentors.
    outsider = EmployeeFactory(full_name="Out Sider", level=4)
    assert "Mo Manager" in names(suggest_mentors(outsider, list(Skill.objects.all()), limit=20))


def test_full_snoozed_closed_and_out_of_hours_mentors_are_left_out(org):
    found = names(suggest_mentors(org["me"], list(Skill.objects.all()), limit=20))
    for name in ["Fay Full", "Gus Snoozed", "Hal Closed", "Jo Hours-Used", "Pia Protege"]:
        assert name not in found


def test_hours_promised_count_in_their_own_month_only(org):
    """Jo's 4 h engagement runs this month, against her 3 h a month: two months on, it
    is over and her hours are free again."""
    negotiation = list(Skill.objects.filter(name="Negotiation"))
    later = programme_today() + dt.timedelta(days=62)
    assert "Jo Hours-Used" not in names(suggest_mentors(org["me"], negotiation, limit=20))
    assert "Jo Hours-Used" in names(suggest_mentors(org["me"], negotiation, today=later, limit=20))


def test_a_mentor_deleted_while_the_suggestions_are_ranked_is_left_out(org):
    """The pool is ranked on sort keys, then the rows shown are read: someone deleted
    in between is skipped, not a failed page."""
    gone = EmployeeFactory(full_name="Aaron Gone", level=3, skills=NEGOTIATION)
    negotiation = list(Skill.objects.filter(name="Negotiation"))
    assert "Aaron Gone" in names(suggest_mentors(org["me"], negotiation, limit=5))
    ranked = []

    def delete_once_ranked(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "mentoring_hours_per_month" in sql and not ranked:  # the pool's sort keys
            ranked.append(True)
            Employee.objects.filter(pk=gone.pk).delete()
        return result

    with connection.execute_wrapper(delete_once_ranked):
        found = names(suggest_mentors(org["me"], negotiation, limit=5))
    assert ranked and "Aaron Gone" not in found and len(found) == 4


def test_the_mentor_ranking_names_its_skills_in_its_sql(org):
    """Prepared statements are planned once for any parameters: the skills' ids are
    written into the ranking's SQL, so its plan is made knowing how many hold them."""
    skills = list(Skill.objects.filter(name__in=["Negotiation", "Writing"]).order_by("pk"))
    ranking = []

    def keep(execute, sql, params, many, context):
        if "held.skill_id" in sql:
            ranking.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert names(suggest_mentors(org["me"], skills, limit=1)) == ["Ida Recommended"]
    ids = ", ".join(str(skill.pk) for skill in skills)
    assert ranking and all(f"held.skill_id IN ({ids})" in sql for sql, _ in ranking)


def test_leaving_out_no_one_or_an_id_nobody_has_changes_nothing(org):
    """The ids left out are written into the ranking's SQL as numbers: a missing one
    (None) or one nobody has leaves the ranking as it was."""
    skills = list(Skill.objects.filter(name="Negotiation"))
    ranked = names(suggest_mentors(org["me"], skills, limit=10))
    assert names(suggest_mentors(org["me"], skills, limit=10, exclude=[None, 10**9])) == ranked
    without_ida = names(
        suggest_mentors(org["me"], skills, limit=10, exclude=[org["recommended"].pk])
    )
    assert without_ida == [n for n in ranked if n != "Ida Recommended"]


def test_holding_no_skill_is_nobody(org):
    assert not Employee.objects.filter(holding([])).exists()
    negotiation = list(Skill.objects.filter(name="Negotiation"))
    assert Employee.objects.filter(holding(negotiation)).filter(pk=org["ceo"].pk).exists()


def test_each_suggestion_says_why_in_words(org):
    skills = list(Skill.objects.filter(name="Negotiation"))
    suggestions = suggest_mentors(org["me"], skills, limit=10)
    reasons = {s.person.full_name: s.reason_text for s in suggestions}
    assert reasons["Ben Networked"] == (
        "Expert in Negotiation · 2 levels above you · mentored 1 person on your team · "
        "2 of 2 slots free"
    )
    assert reasons["Ida Recommended"] == (
        "Expert in Negotiation · 2 levels above you · recommended by Kim Past-Mentor · "
        "2 of 2 slots free"
    )
    assert reasons["Cal Loaded"] == "Expert in Negotiation · 1 level above you · 1 of 2 slots free"
    assert reasons["Eve Same-Level"] == (
        "Expert in Negotiation · same level as you · 2 of 2 slots free"
    )


def test_when_two_past_mentors_recommended_someone_the_latest_is_named(org):
    lou = EmployeeFactory(full_name="Lou Later-Mentor", level=4, skills=["Writing"])
    again = engagement_between(org["me"], lou, state="completed", title="Writing again")
    meetings.advise_next(again, by=lou, next_area="Negotiation", next_mentor=org["recommended"])
    negotiation = list(Skill.objects.filter(name="Negotiation"))
    kims, lous = WrapUp.objects.exclude(engagement=again), WrapUp.objects.filter(engagement=again)
    for earlier, later, named in (
        (kims, lous, "Lou Later-Mentor"),
        (lous, kims, "Kim Past-Mentor"),
    ):
        earlier.update(advised_at=timezone.now() - dt.timedelta(days=30))
        later.update(advised_at=timezone.now())
        reasons = {
            s.person.full_name: s.reason_text for s in suggest_mentors(org["me"], negotiation)
        }
        assert f"recommended by {named} ·" in reasons["Ida Recommended"]


def test_mentoring_the_protégés_manager_counts_as_network(org):
    engagement_between(org["boss"], org["one_above"], state="completed", title="Boss learns")
    skills = list(Skill.objects.filter(name="Negotiation"))
    suggestions = {s.person.full_name: s for s in suggest_mentors(org["me"], skills, limit=10)}
    assert "mentored your manager" in suggestions["Ann One-Above"].reasons
    order = names(suggest_mentors(org["me"], skills, limit=10))
    assert order.index("Ann One-Above") < order.index("Ben Networked")


def test_load_spreads_requests_across_equally_good_mentors(org):
    skills = list(Skill.objects.filter(name="Negotiation"))
    order = names(suggest_mentors(org["me"], skills, limit=10))
    assert order.index("Ann One-Above") < order.index("Cal Loaded")  # 0 vs 1 engagement
    org["one_above"].mentoring_capacity = 3
    org["one_above"].mentoring_hours_per_month = 20
    org["one_above"].save()
    for _ in range(2):
        engagement_between(EmployeeFactory(level=1), org["one_above"])
    order = names(suggest_mentors(org["me"], skills, limit=10))
    assert order.index("Cal Loaded") < order.index("Ann One-Above")  # 1 vs 2 engagements


def test_a_snoozed_mentor_cannot_be_proposed_to_and_the_date_is_shown(org, as_user):
    from tests.factories import make_login

    make_login(org["me"])
    with pytest.raises(proposals.ProposalError, match="not taking requests until"):
        engagement_between(org["me"], org["snoozed"])
    make_login(org["snoozed"])
    html = as_user(org["me"]).get(org["snoozed"].get_absolute_url()).content.decode()
    until = org["snoozed"].snoozed_until
    assert f"Not taking requests until {until:%-d %B %Y}" in html


def test_goal_words_are_matched_to_skills():
    for name in ["Negotiation", "Public speaking", "Python", "Go", "SEO"]:
        Skill.objects.create(name=name, slug=name.lower().replace(" ", "-"))
    assert [s.name for s in skills_in_text("Get better at negotiating with agencies")] == [
        "Negotiation"
    ]
    assert [s.name for s in skills_in_text("speaking on stage")] == ["Public speaking"]
    assert [s.name for s in skills_in_text("pyton scripts")] == ["Python"]
    assert skills_in_text("going to the gym") == []  # "Go" needs the exact word


def test_matched_skills_follow_the_skills_as_they_are_now():
    """The words of the skills' names are indexed once per process and a word's close
    matches kept: a skill added, renamed or removed counts from the next goal on."""
    python = Skill.objects.create(name="Python", slug="python")
    assert skills_in_text("kubernetes and pyton") == [python]
    kubernetes = Skill.objects.create(name="Kubernetes", slug="kubernetes")
    assert skills_in_text("kubernetes and pyton") == [kubernetes, python]
    python.name = "Rust"
    python.save()
    assert skills_in_text("kubernetes and pyton") == [kubernetes]
    kubernetes.delete()
    assert skills_in_text("kubernetes and pyton") == []


def test_a_goal_scored_again_reads_its_words_scores_from_memory():
    Skill.objects.create(name="Negotiation", slug="negotiation")
    with CaptureQueriesContext(connection) as queries:
        first = skills_in_text("Negotiating better contracts with agencies")
    vocabulary = _vocabulary(tuple(Skill.objects.order_by("pk").values_list("pk", "name", "slug")))
    scored = vocabulary.scores.cache_info()
    again = skills_in_text("Negotiating better contracts with agencies")
    assert [s.name for s in again] == [s.name for s in first] == ["Negotiation"]
    assert again[0].pk == first[0].pk and not again[0]._state.adding  # a row, as saved
    assert vocabulary.scores.cache_info().hits == scored.hits + 4  # each word but "with"
    assert vocabulary.scores.cache_info().misses == scored.misses
    assert len(queries) == 1


def test_peers_who_want_to_learn_the_same_are_suggested_closest_first(org):
    marketing = org["me"].department
    EmployeeFactory(full_name="Una Senior", level=6, department=marketing, interests=NEGOTIATION)
    EmployeeFactory(full_name="Vic Elsewhere", level=3, interests=NEGOTIATION)
    busy = EmployeeFactory(full_name="Wyn Busy", level=2, interests=NEGOTIATION)
    engagement_between(busy, org["one_above"])
    skills = list(Skill.objects.filter(name="Negotiation"))
    peers = suggest_peers(org["me"], skills, mentor=org["one_above"])
    assert names(peers) == ["Tia Teammate", "Vic Elsewhere", "Una Senior"]
    assert peers[0].reason_text == (
        "Also wants to learn Negotiation · same level as you · also in Marketing"
    )


def test_peers_already_in_one_of_the_mentors_engagements_are_left_out_unless_they_declined(org):
    """Invited or joined as a peer to this mentor's proposed or running engagement: busy
    with them already. Declined, or in one that ended: free to be suggested."""
    mentor = org["one_above"]

    def learner(name):
        return EmployeeFactory(full_name=name, level=2, interests=NEGOTIATION)

    joined, invited, declined, ended = (
        learner(n) for n in ["Abe Joined", "Bea Invited", "Cy Declined", "Di Ended"]
    )
    engagement_between(EmployeeFactory(), mentor, peers=[joined])
    engagement_between(EmployeeFactory(), mentor, state="proposed", peers=[invited])
    proposed = engagement_between(EmployeeFactory(), mentor, state="proposed", peers=[declined])
    transitions.answer_invitation(proposed, by=declined, join=False)
    engagement_between(EmployeeFactory(), mentor, state="completed", peers=[ended])
    skills = list(Skill.objects.filter(name="Negotiation"))
    found = names(suggest_peers(org["me"], skills, mentor=mentor, limit=10))
    assert "Abe Joined" not in found and "Bea Invited" not in found
    assert "Cy Declined" in found and "Di Ended" in found
    # Another mentor: all four are free.
    found = names(suggest_peers(org["me"], skills, mentor=org["networked"], limit=10))
    assert {"Abe Joined", "Bea Invited", "Cy Declined", "Di Ended"} <= set(found)


def test_the_suggestion_panel_makes_a_fixed_number_of_queries(org, as_user, client):
    from tests.factories import make_login

    make_login(org["me"])
    url = reverse("engagements:new") + "?redraw=suggestions"
    client = as_user(org["me"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                url, {**EMPTY_ROWS, "goals-0-description": "negotiation"}, HTTP_HX_REQUEST="true"
            )
        assert "Expert in Negotiation" in response.content.decode()
        return len(captured)

    few = queries()
    for n in range(25):
        EmployeeFactory(full_name=f"More Negotiator{n}", level=3, skills=NEGOTIATION)
    assert queries() == few


def test_the_directory_suggests_mentors_for_my_learning_interests(org, as_user):
    from tests.factories import make_login

    make_login(org["me"])
    html = as_user(org["me"]).get(reverse("directory:index")).content.decode()
    panel = html[html.index("Suggested for you") : html.index('id="results"')]
    assert "Ida Recommended" in panel and "recommended by Kim Past-Mentor" in panel


def test_typing_a_goal_suggests_mentors_on_the_propose_page(org, as_user):
    from tests.factories import make_login

    make_login(org["me"])
    response = as_user(org["me"]).post(
        reverse("engagements:new") + "?redraw=suggestions",
        {**EMPTY_ROWS, "goals-0-description": "negotiate my first agency contract"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.strip().startswith('<div id="suggestions"')
    # One keystroke, one request: the peers who want to learn it come along, out of band.
    assert 'id="peers"' in html and 'hx-swap-oob="true"' in html
    assert "Tia Teammate" in html
    assert 'type="radio" name="mentor"' in html and "Ida Recommended" in html


def test_after_a_decline_the_protege_sees_others_who_could_help(org, as_user):
    from tests.factories import make_login

    make_login(org["me"])
    declined = engagement_between(
        org["me"], org["one_above"], state="declined", title="Negotiation basics"
    )
    html = as_user(org["me"]).get(declined.get_absolute_url()).content.decode()
    others = html[html.index("Others who could help") : html.index('aria-labelledby="plan"')]
    assert "Ida Recommended" in others and "Ann One-Above" not in others
