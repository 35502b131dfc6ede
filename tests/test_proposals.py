"""Proposing an engagement: the form, its in-place rows, and every rule it enforces."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.matching import PEERS_SQL, POOL_SQL
from engagements.models import Engagement, Event, Notification
from tests.factories import EmployeeFactory, engagement_between, programme_today

pytestmark = pytest.mark.django_db
NEW = reverse("engagements:new")
# The form's rows as the page sends them: one empty goal, no activity.
EMPTY_ROWS = {
    "goals-TOTAL_FORMS": "1",
    "goals-INITIAL_FORMS": "0",
    "activities-TOTAL_FORMS": "0",
    "activities-INITIAL_FORMS": "0",
}


def proposal(mentor, *, goals=2, peers=(), **overrides):
    """The POST of a complete proposal form, as a browser sends it."""
    today = programme_today()
    data = {
        "title": "Negotiating agency contracts",
        "mentor": str(mentor.pk),
        "role": "shadowing",
        "role_detail": "Prepare the pricing and sit in on the renewal call.",
        "start_date": (today + dt.timedelta(days=1)).isoformat(),
        "end_date": (today + dt.timedelta(days=28)).isoformat(),
        "note": "I have my first agency renewal in March.",
        "goals-TOTAL_FORMS": str(goals),
        "goals-INITIAL_FORMS": "0",
        "activities-TOTAL_FORMS": "2",
        "activities-INITIAL_FORMS": "0",
        "activities-0-kind": "shadow",
        "activities-0-count": "1",
        "activities-0-minutes_each": "180",
        "activities-0-description": "customer visit",
        "activities-1-kind": "interview",
        "activities-1-count": "2",
        "activities-1-minutes_each": "60",
        "activities-1-description": "",
        "peers": [str(p.pk) for p in peers],
        "action": "propose",
    }
    for n in range(goals):
        data[f"goals-{n}-description"] = f"Goal number {n + 1}"
        data[f"goals-{n}-measure"] = f"Measure number {n + 1}"
    data.update(overrides)
    return data


def test_the_protege_proposes_with_two_goals_and_a_peer(protege, mentor, peer, as_user):
    response = as_user(protege).post(NEW, proposal(mentor, peers=[peer]))
    engagement = Engagement.objects.get()
    assert response.status_code == 302 and response["Location"] == engagement.get_absolute_url()
    assert engagement.state == Engagement.State.PROPOSED
    assert engagement.protege == protege and engagement.mentor == mentor
    assert [g.description for g in engagement.goals.all()] == ["Goal number 1", "Goal number 2"]
    assert engagement.budget_minutes == 180 + 2 * 60
    assert engagement.expires_at - engagement.proposed_at == dt.timedelta(days=7)
    assert [p.employee for p in engagement.participants.all()] == [peer]
    assert list(Event.objects.values_list("verb", flat=True)) == ["drafted", "propose"]
    assert set(Notification.objects.values_list("recipient__full_name", "kind")) == {
        ("Daniel Okafor", "proposal_received"),
        ("Tom Becker", "peer_invited"),
    }


def test_a_profile_offers_to_propose_to_that_person(protege, mentor, as_user):
    client = as_user(protege)
    profile = client.get(mentor.get_absolute_url()).content.decode()
    assert f'href="{NEW}?mentor={mentor.pk}"' in profile
    form = client.get(NEW, {"mentor": mentor.pk}).content.decode()
    assert f'value="{mentor.pk}" checked' in form


def test_a_third_goal_is_refused_in_place(protege, mentor, as_user):
    data = proposal(mentor, goals=2, action="add_goal")
    response = as_user(protege).post(NEW, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="goals"' in html
    assert "At most 2 goals" in html
    assert 'name="goals-2-description"' not in html
    assert Engagement.objects.count() == 0


def test_goal_rows_are_added_and_removed_without_javascript_too(protege, mentor, as_user):
    client = as_user(protege)
    added = client.post(NEW, proposal(mentor, goals=1, action="add_goal")).content.decode()
    assert "<html" in added and 'name="goals-1-description"' in added
    assert 'value="Negotiating agency contracts"' in added  # nothing typed is lost
    removed = client.post(NEW, proposal(mentor, goals=2, action="remove_goal:0")).content.decode()
    assert 'value="Goal number 2"' in removed and 'value="Goal number 1"' not in removed
    assert Engagement.objects.count() == 0


def test_the_hours_budget_is_totalled_live(protege, mentor, as_user):
    data = proposal(mentor, action="total", **{"activities-1-count": "3"})
    response = as_user(protege).post(NEW, data, HTTP_HX_REQUEST="true")
    assert response.content.decode().strip().startswith('<p id="budget"')
    assert "6 h" in response.content.decode()


def test_mentors_and_peers_are_found_by_search_in_place(protege, mentor, as_user):
    EmployeeFactory(full_name="Kenji Tanaka", skills=["Negotiation"])
    client = as_user(protege)
    found = client.post(
        NEW,
        {**proposal(mentor), "action": "find_mentor", "mentor_q": "negotation"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'id="mentor"' in found and "Kenji Tanaka" in found and "Daniel Okafor" in found
    assert "Priya Patel" not in found  # not oneself
    peers = client.post(
        NEW,
        {**proposal(mentor), "action": "find_peers", "peer_q": "kenji"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'id="peers"' in peers and 'name="peers"' in peers and "Kenji Tanaka" in peers


def test_proposing_without_a_mentor_names_everything_missing_at_once(protege, mentor, as_user):
    data = proposal(mentor, goals=1, role="", start_date="", end_date="")
    data.update({"mentor": "", "goals-0-measure": ""})
    page = as_user(protege).post(NEW, data).content.decode()
    assert "Choose a mentor." in page and "before saving the draft" not in page
    assert "measure of success" in page
    assert page.count('class="errorlist') >= 4  # the mentor, the role, each date, the measure
    assert not Engagement.objects.exists()


def test_a_draft_keeps_half_finished_work_and_is_proposed_later(protege, mentor, as_user):
    client = as_user(protege)
    data = proposal(mentor, goals=1, action="save", role="", **{"goals-0-measure": ""})
    response = client.post(NEW, data)
    draft = Engagement.objects.get()
    assert draft.state == Engagement.State.DRAFT and draft.role == ""
    assert response["Location"] == draft.get_absolute_url()
    assert not Notification.objects.exists()
    # Not proposable yet: the missing pieces are named.
    response = client.post(reverse("engagements:propose", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == Engagement.State.DRAFT
    edit = client.get(response["Location"])
    assert "measure of success" in edit.content.decode()
    # Completed and proposed from the edit page.
    response = client.post(reverse("engagements:edit", args=[draft.pk]), proposal(mentor))
    draft.refresh_from_db()
    assert draft.state == Engagement.State.PROPOSED and draft.goals.count() == 2
    assert Engagement.objects.count() == 1


def at_capacity(mentor, protege):
    for n in range(mentor.mentoring_capacity):
        engagement_between(EmployeeFactory(full_name=f"Busy Protege{n}"), mentor)


GUARDS = {
    "a goal without a measure": (
        lambda p, m, peer: {"goals-1-measure": ""},
        "Every goal needs a measure of success.",
    ),
    "three goals": (
        lambda p, m, peer: {
            "goals-TOTAL_FORMS": "3",
            "goals-2-description": "Third",
            "goals-2-measure": "Third measure",
        },
        "At most 2 goals",
    ),
    "no goal": (lambda p, m, peer: {"goals-TOTAL_FORMS": "0"}, "Set at least one goal."),
    "no role": (lambda p, m, peer: {"role": ""}, "Say what your role will be."),
    "a role without what you will do": (
        lambda p, m, peer: {"role_detail": "  "},
        "Describe what you will do.",
    ),
    "no activities": (
        lambda p, m, peer: {"activities-TOTAL_FORMS": "0"},
        "Plan at least one activity",
    ),
    "an end before the start": (
        lambda p, m, peer: {"end_date": programme_today().isoformat()},
        "The end date is before the start date.",
    ),
    "a start in the past": (
        lambda p, m, peer: {"start_date": "2020-01-01"},
        "The start date is in the past.",
    ),
    "longer than the programme allows": (
        lambda p, m, peer: {"end_date": (programme_today() + dt.timedelta(days=60)).isoformat()},
        "An engagement lasts at most 42 days",
    ),
    "proposing to oneself": (
        lambda p, m, peer: {"mentor": str(p.pk)},
        "You cannot propose an engagement to yourself.",
    ),
    "a mentor not open to mentoring": (
        lambda p, m, peer: (
            m.__class__.objects.filter(pk=m.pk).update(open_to_mentoring=False) and {}
        ),
        "Daniel Okafor is not taking mentoring requests right now.",
    ),
    "a mentor at capacity": (
        lambda p, m, peer: at_capacity(m, p) or {},
        "Daniel Okafor is at capacity (2 engagements at a time)",
    ),
    "three peers": (
        lambda p, m, peer: {"peers": [str(e.pk) for e in [peer, *EmployeeFactory.create_batch(2)]]},
        "Invite at most 2 peers.",
    ),
    "the mentor as a peer": (
        lambda p, m, peer: {"peers": [str(m.pk)]},
        "Daniel Okafor is the mentor, not a peer.",
    ),
    "the protégé as a peer": (
        lambda p, m, peer: {"peers": [str(p.pk)]},
        "You are already in the engagement",
    ),
}


@pytest.mark.parametrize("guard", GUARDS, ids=list(GUARDS))
def test_a_proposal_breaking_a_rule_is_refused_and_nothing_is_saved(
    protege, mentor, peer, as_user, guard
):
    change, message = GUARDS[guard]
    data = proposal(mentor)
    data.update(change(protege, mentor, peer))
    before = Engagement.objects.count(), Notification.objects.count()
    response = as_user(protege).post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not proposed yet" in html
    assert message in html.replace("&#x27;", "'")
    assert (Engagement.objects.count(), Notification.objects.count()) == before


def test_a_new_proposal_refused_by_a_rule_stays_new_and_goes_on_the_next_try(
    protege, mentor, as_user
):
    # The form is complete; the rule refuses (the mentor is full). The draft saved in the
    # same transaction is rolled back: the page must not post to it next time.
    at_capacity(mentor, protege)
    other = EmployeeFactory(full_name="Omar Other", mentoring_capacity=2)
    client = as_user(protege)
    before = Engagement.objects.count()
    refused = client.post(NEW, proposal(mentor))
    assert "Daniel Okafor is at capacity" in refused.content.decode()
    assert (refused.context["engagement"], refused.context["form_url"]) == (None, NEW)
    assert f'action="{NEW}"' in refused.content.decode()
    assert Engagement.objects.count() == before

    proposed = client.post(NEW, proposal(other))
    assert proposed.status_code == 302
    assert Engagement.objects.get(protege=protege).mentor == other


def test_the_server_refuses_a_guard_even_without_the_form(protege, mentor):
    from engagements import proposals

    draft = engagement_between(protege, mentor, state="draft", goals=1)
    draft.goals.update(measure="")
    with pytest.raises(proposals.ProposalError, match="measure of success"):
        proposals.propose(draft, by=protege)
    draft.refresh_from_db()
    assert draft.state == Engagement.State.DRAFT


def test_the_protege_withdraws_a_proposal_and_the_mentor_is_told(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(protege).post(reverse("engagements:withdraw", args=[engagement.pk]))
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.WITHDRAWN
    assert Notification.objects.filter(recipient=mentor, kind="withdrawn").exists()


def test_only_the_protege_withdraws_or_deletes(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    client = as_user(mentor)
    client.post(reverse("engagements:withdraw", args=[engagement.pk]))
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED


def test_a_draft_can_be_deleted_but_a_proposal_cannot(protege, mentor, as_user):
    draft = engagement_between(protege, mentor, state="draft")
    proposed = engagement_between(protege, mentor, state="proposed", title="Other")
    client = as_user(protege)
    client.post(reverse("engagements:delete", args=[draft.pk]))
    client.post(reverse("engagements:delete", args=[proposed.pk]))
    assert list(Engagement.objects.values_list("title", flat=True)) == ["Other"]


def test_once_proposed_nobody_can_edit_goals_dates_or_budget(protege, mentor, as_user):
    from engagements import proposals
    from engagements.models import TransitionError

    engagement = engagement_between(protege, mentor, state="active")
    edit = reverse("engagements:edit", args=[engagement.pk])
    assert as_user(protege).get(edit).status_code == 404
    response = as_user(protege).post(edit, proposal(mentor, goals=1))
    assert response.status_code == 404
    with pytest.raises(TransitionError, match="stay as agreed"):
        proposals.save_draft(
            proposals.ProposalData(title="Longer", mentor=mentor),
            protege=protege,
            engagement=engagement,
        )
    engagement.refresh_from_db()
    assert engagement.title == "Negotiating agency contracts"
    assert engagement.budget_minutes == 240 and engagement.goals.count() == 1


def test_pressing_enter_in_a_field_redraws_the_form_and_keeps_every_goal(protege, mentor, as_user):
    # Enter presses the form's first button: a hidden "refresh", never "remove goal 1".
    html = as_user(protege).get(NEW).content.decode()
    form = html[html.index('class="proposal-form"') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert 'value="refresh"' in first_button
    response = as_user(protege).post(NEW, proposal(mentor, goals=2, action="refresh"))
    page = response.content.decode()
    assert 'value="Goal number 1"' in page and 'value="Goal number 2"' in page
    assert Engagement.objects.count() == 0


def test_the_only_goal_offers_no_remove_and_keeps_what_was_typed(protege, mentor, as_user):
    client = as_user(protege)
    assert 'value="remove_goal:' not in client.get(NEW).content.decode()
    two = client.post(NEW, proposal(mentor, goals=1, action="add_goal"), HTTP_HX_REQUEST="true")
    assert two.content.decode().count('value="remove_goal:') == 2
    one = client.post(
        NEW, proposal(mentor, goals=2, action="remove_goal:0"), HTTP_HX_REQUEST="true"
    )
    html = one.content.decode()
    assert 'value="Goal number 2"' in html and 'value="remove_goal:' not in html
    # A stale page's Remove on the only goal (or a forged one) wipes nothing.
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        stale = client.post(NEW, proposal(mentor, goals=1, action="remove_goal:0"), **htmx)
        html = stale.content.decode()
        assert 'value="Goal number 1"' in html and 'value="Measure number 1"' in html
    assert Engagement.objects.count() == 0


def test_a_search_that_finds_nobody_says_so(protege, mentor, as_user):
    client = as_user(protege)
    data = {**EMPTY_ROWS, "goals-0-description": "negotiation"}
    for htmx in ({"HTTP_HX_REQUEST": "true"}, {}):  # in place, and the whole page
        for own_name in ("zzzz", "Priya Patel"):  # oneself is never found
            found = client.post(
                NEW, {**data, "action": "find_mentor", "mentor_q": own_name}, **htmx
            )
            section = mentor_section(found.content.decode())
            assert f"No one matches “{own_name}”" in section
            assert "Pick one of the suggestions above, or search" not in section
        peers = client.post(NEW, {**data, "action": "find_peers", "peer_q": "zzzz"}, **htmx)
        html = peers.content.decode()
        peers_section = html[html.index('id="peers"') :]
        assert "No one matches “zzzz”" in peers_section[: peers_section.index("</fieldset>")]
    # With a mentor chosen, the choice stands and the search still answers.
    chosen = client.post(
        NEW,
        {**proposal(mentor), "action": "find_mentor", "mentor_q": "zzzz"},
        HTTP_HX_REQUEST="true",
    )
    section = mentor_section(chosen.content.decode())
    assert "Your mentor: <strong>Daniel Okafor</strong>" in section
    assert "No one else matches “zzzz”" in section
    # A search that finds someone, or none typed, says nothing of the kind.
    for q in ("okafor", ""):
        found = client.post(NEW, {**data, "action": "find_mentor", "mentor_q": q})
        assert "No one matches" not in found.content.decode()


def test_the_propose_page_makes_the_same_number_of_queries_for_1_and_8_found_mentors(
    protege, mentor, as_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(protege)

    def queries(term: str) -> int:
        data = {**proposal(mentor), "action": "find_mentor", "mentor_q": term}
        with CaptureQueriesContext(connection) as captured:
            client.post(NEW, data)
        return len(captured)

    EmployeeFactory(full_name="Only Forecaster", skills=["Forecasting"])
    EmployeeFactory.create_batch(8, skills=["Budgeting"])
    assert queries("forecasting") == queries("budgeting")


def test_finding_a_mentor_by_name_reads_no_skills_or_interests_it_does_not_show(
    protege, mentor, as_user
):
    """A found person is a name, a title and a department on the propose page: the
    skills and interests a directory card explains its match with are not read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    EmployeeFactory(full_name="Only Forecaster", skills=["Forecasting"], interests=["Python"])
    data = {**proposal(mentor), "action": "find_mentor", "mentor_q": "forecaster"}
    with CaptureQueriesContext(connection) as captured:
        response = as_user(protege).post(NEW, data)
    assert "Only Forecaster" in response.content.decode()
    prefetches = [q["sql"] for q in captured if "_prefetch_related_val" in q["sql"]]
    assert prefetches == []


def test_editing_a_draft_makes_the_same_number_of_queries_for_small_and_big_drafts(
    protege, mentor, peer, as_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = engagement_between(
        protege, mentor, state="draft", goals=1, peers=[peer], activities=((1, 60),)
    )
    big = engagement_between(
        protege,
        mentor,
        state="draft",
        goals=2,
        peers=[peer, EmployeeFactory()],
        activities=((1, 60), (2, 30), (3, 45)),
    )
    client = as_user(protege)

    def queries(engagement) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("engagements:edit", args=[engagement.pk])).status_code == 200
        return len(captured)

    assert queries(small) == queries(big)


def mentor_section(html: str) -> str:
    """The "Who can help" section of a page or a redraw."""
    section = html[html.index('id="mentor"') :]
    return section[: section.index("</fieldset>")]


def sections(html: str) -> tuple[str, str]:
    """The mentor suggestions and the "Who can help" section."""
    return html[html.index('id="suggestions"') : html.index('id="mentor"')], mentor_section(html)


def mentor_radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="mentor" [^>]*value="(\d+)"', html)


def test_a_chosen_mentor_stays_chosen_when_new_goal_words_redraw_the_suggestions(
    protege, mentor, as_user
):
    """Daniel was picked for negotiation; the goal now says Python, which he does not
    know. The redraw still leads with him as the choice, and the mentor section comes
    with it, his radio checked: the one radio the form sends him with."""
    EmployeeFactory(full_name="Pat Pythonist", skills=["Python"])
    data = proposal(mentor, goals=1, action="", **{"goals-0-description": "Python scripting"})
    response = as_user(protege).post(f"{NEW}?redraw=suggestions", data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.strip().startswith('<div id="suggestions"')
    # What replaces the old suggestions (where he was picked) has his radio: he stays chosen.
    assert mentor_radios(html).count(str(mentor.pk)) == 1
    suggestions, section = sections(html)
    first = suggestions[suggestions.index("<li") : suggestions.index("</li>")]
    assert "Daniel Okafor" in first and "Your choice" in first
    assert "Not suggested for this goal" in first
    assert "Pat Pythonist" in suggestions[suggestions.index("</li>") :]
    assert (
        'hx-swap-oob="true"' in section and "Your mentor: <strong>Daniel Okafor</strong>" in section
    )
    assert f'value="{mentor.pk}" checked' in section


def test_a_mentor_chosen_before_any_goal_is_not_called_unsuited_to_it(protege, mentor, as_user):
    """Proposing from a profile: no goal typed yet, so nothing to be suggested for."""
    html = as_user(protege).get(f"{NEW}?mentor={mentor.pk}").content.decode()
    suggestions = html[html.index('<div id="suggestions"') :]
    assert "Your choice" in suggestions
    assert "Not suggested for this goal" not in suggestions
    assert "Describe a goal above to see who else could help." in suggestions


def test_a_chosen_mentor_who_still_ranks_leads_with_their_reasons(protege, mentor, as_user):
    kenji = EmployeeFactory(full_name="Kenji Tanaka", skills=["Negotiation"])
    data = proposal(mentor, goals=1, action="", **{"goals-0-description": "negotiation"})
    response = as_user(protege).post(f"{NEW}?redraw=suggestions", data, HTTP_HX_REQUEST="true")

    suggestions, section = sections(response.content.decode())
    first = suggestions[suggestions.index("<li") : suggestions.index("</li>")]
    assert "Daniel Okafor" in first and "Your choice" in first
    assert "Expert in Negotiation" in first
    assert mentor_radios(suggestions) == [str(kenji.pk)]
    assert f'value="{mentor.pk}" checked' in section


def test_the_chosen_mentor_survives_a_refused_proposal_and_a_saved_draft(protege, mentor, as_user):
    """Without JavaScript every redraw is the whole page: it keeps the choice the same way."""
    client = as_user(protege)
    data = proposal(mentor, goals=1, title="", **{"goals-0-description": "Python scripting"})
    refused = client.post(NEW, data)
    assert refused.status_code == 200 and Engagement.objects.count() == 0
    saved = client.post(NEW, {**data, "title": "Python for reports", "action": "save"})
    draft = Engagement.objects.get()
    assert saved.status_code == 302 and draft.mentor == mentor
    edit = client.get(reverse("engagements:edit", args=[draft.pk]))

    for page in (refused, edit):
        suggestions, section = sections(page.content.decode())
        first = suggestions[suggestions.index("<li") : suggestions.index("</li>")]
        assert "Daniel Okafor" in first and "Your choice" in first
        assert f'value="{mentor.pk}" checked' in section
        assert mentor_radios(page.content.decode()) == [str(mentor.pk)]


def test_the_mentor_section_says_what_to_do_when_nothing_is_suggested(protege, mentor, as_user):
    client = as_user(protege)
    directory = f'<a href="{reverse("directory:index")}">search the directory</a>'

    def says(response) -> str:
        return mentor_section(response.content.decode())

    blank = says(client.get(NEW))
    assert "Describe a goal above to see who could help, or " + directory in blank
    assert "Pick one of the suggestions above" not in blank
    empty_submit = says(client.post(NEW, {**EMPTY_ROWS, "action": "propose"}))
    assert "Describe a goal above to see who could help" in empty_submit

    def redraw(goal: str) -> str:
        data = {**EMPTY_ROWS, "goals-0-description": goal}
        return says(client.post(f"{NEW}?redraw=suggestions", data, HTTP_HX_REQUEST="true"))

    no_skill = redraw("Get better at things")
    assert "No suggestions for this goal: find someone below, or " + directory in no_skill
    assert "Pick one of the suggestions above" not in no_skill
    assert "Pick one of the suggestions above" in redraw("negotiation")
    # A search that finds nobody redraws the section alone: it still knows there are
    # suggestions above, and says the search found nobody.
    data = {**EMPTY_ROWS, "goals-0-description": "negotiation", "mentor_q": "zzzz"}
    found = says(client.post(NEW, {**data, "action": "find_mentor"}, HTTP_HX_REQUEST="true"))
    assert "No one matches “zzzz”. Try part of a name or a skill, or pick one of" in found


def test_a_search_in_place_ranks_only_what_its_section_shows(protege, mentor, as_user):
    """A search for a mentor redraws "Who can help", which needs the mentors' ranking
    (it says whether there are any to pick above) and not the peers'; a search for a
    peer the other way round; the budget's redraw neither. Each is a query per
    keystroke."""
    client = as_user(protege)
    mentors_sql, peers_sql = POOL_SQL.split("{")[0].strip(), PEERS_SQL.split("{")[0].strip()

    def ranked(**data) -> set[str]:
        with CaptureQueriesContext(connection) as queries:
            form = {**proposal(mentor), "goals-0-description": "Negotiation for renewals", **data}
            response = client.post(NEW, form, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        sql = [q["sql"] for q in queries]
        return {
            name
            for name, start in (("mentors", mentors_sql), ("peers", peers_sql))
            if any(s.strip().startswith(start) for s in sql)
        }

    assert ranked(action="find_mentor", mentor_q="negotiation") == {"mentors"}
    assert ranked(action="find_peers", peer_q="kenji") == {"peers"}
    assert ranked(action="total") == set()
    assert ranked(action="suggestions") == {"mentors", "peers"}
