"""The rules table: every verb is refused for every role it does not name, through the
same code whether it comes from a view, a task or a test; and the pages ask the table."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements import meetings, proposals, transitions
from engagements.models import (
    Engagement,
    Event,
    Meeting,
    Notification,
    Participant,
    TransitionError,
)
from engagements.rules import RULES, Role, Verb, needed_action
from tests.factories import EmployeeFactory, engagement_between, make_login


def act(verb: Verb, engagement: Engagement, person):
    """The domain function that does `verb`, as `person` (None: the system)."""
    now = timezone.now()
    if verb == Verb.EDIT:
        data = proposals.ProposalData.of(engagement)
        return proposals.save_draft(data, protege=person, engagement=engagement)
    if verb == Verb.DELETE:
        return proposals.delete_draft(engagement, by=person)
    if verb == Verb.PROPOSE:
        return proposals.propose(engagement, by=person)
    if verb == Verb.FOLLOW_ON:
        return proposals.start_follow_on(engagement, by=person)[0]
    if verb in (Verb.EXPIRE, Verb.COMPLETE):
        # The sweep's verbs have no `by`; a person trying them goes through the same path.
        with transaction.atomic():
            return transitions.transition(engagement, verb, actor=person, now=now)
    if verb == Verb.DECLINE:
        return transitions.decline(engagement, by=person, reason="not_now")
    if verb == Verb.CANCEL:
        return transitions.cancel(engagement, by=person, reason="Plans changed")
    if verb == Verb.ANSWER_INVITATION:
        return transitions.answer_invitation(engagement, by=person, join=True)
    if verb == Verb.LOG_MEETING:
        return meetings.log_meeting(
            engagement, by=person, held_on=engagement.start_date, minutes=30
        )
    if verb == Verb.DELETE_MEETING:
        # A meeting of their own, as if they had logged it: the role is what is refused.
        meeting = Meeting.objects.create(
            engagement=engagement,
            held_on=engagement.start_date,
            minutes=30,
            logged_by=person or engagement.protege,
        )
        return meetings.delete_meeting(engagement, meeting_pk=meeting.pk, by=person)
    if verb == Verb.THANK:
        outcomes = {g.pk: "met" for g in engagement.goals.all()}
        return meetings.thank_mentor(engagement, by=person, outcomes=outcomes, thank_you="Thanks")
    if verb == Verb.ADVISE:
        return meetings.advise_next(engagement, by=person, next_area="Pricing", next_mentor=None)
    return getattr(transitions, verb.value)(engagement, by=person)


@pytest.fixture
def cast(protege, mentor, peer, admin):
    mentor.mentoring_capacity = 50  # many engagements between the same two people here
    mentor.save()
    invitee = EmployeeFactory(full_name="Ivy Invited", level=2)
    outsider = EmployeeFactory(full_name="Olga Outsider", level=3)
    make_login(invitee)
    make_login(outsider)
    return {
        Role.PROTEGE: protege,
        Role.MENTOR: mentor,
        Role.PEER: peer,
        Role.INVITED: invitee,
        Role.ADMIN: admin,
        "outsider": outsider,
        Role.SYSTEM: None,
    }


def engagement_in(state: str, cast) -> Engagement:
    engagement = engagement_between(cast[Role.PROTEGE], cast[Role.MENTOR], state=state)
    for role, answer in ((Role.PEER, "accepted"), (Role.INVITED, "invited")):
        Participant.objects.create(engagement=engagement, employee=cast[role], answer=answer)
    return Engagement.objects.get(pk=engagement.pk)


def snapshot(engagement: Engagement) -> tuple:
    return (
        Engagement.objects.get(pk=engagement.pk).state,
        Event.objects.filter(engagement=engagement).count(),
        Notification.objects.filter(engagement=engagement).count(),
    )


@pytest.mark.parametrize("verb", list(Verb))
def test_every_verb_is_refused_for_every_role_it_does_not_name(verb, cast):
    rule = RULES[verb]
    others = [r for r in cast if r not in rule.by]
    assert others, verb
    for role in others:
        engagement = engagement_in(sorted(rule.states)[0], cast)
        before = snapshot(engagement)
        with pytest.raises(TransitionError) as refused:
            act(verb, engagement, cast[role])
        assert str(refused.value) == rule.refusal, (verb, role)
        assert snapshot(engagement) == before, (verb, role)


@pytest.mark.parametrize("verb", [v for v in Verb if Role.SYSTEM not in RULES[v].by])
def test_every_verb_is_done_by_the_role_it_names(verb, cast):
    rule = RULES[verb]
    engagement = engagement_in(sorted(rule.states)[0], cast)
    role = sorted(rule.by)[0]
    act(verb, engagement, cast[role])  # no refusal


VIEWS = {
    Verb.WITHDRAW: ("proposed", "engagements:withdraw", {}),
    Verb.ACCEPT: ("proposed", "engagements:accept", {}),
    Verb.DECLINE: ("proposed", "engagements:decline", {"reason": "not_now"}),
    Verb.CANCEL: ("active", "engagements:cancel", {"reason": "Plans changed"}),
    Verb.LOG_MEETING: ("active", "engagements:log_meeting", {"minutes": "30"}),
    Verb.DELETE_MEETING: ("active", "engagements:delete_meeting", {"meeting": "?"}),
    Verb.DELETE: ("draft", "engagements:delete", {}),
    Verb.PROPOSE: ("draft", "engagements:propose", {}),
}


@pytest.mark.parametrize("verb", list(VIEWS))
def test_the_views_refuse_the_same_roles(verb, cast, as_user):
    state, name, data = VIEWS[verb]
    for role, person in cast.items():
        if role in RULES[verb].by or person is None:
            continue
        engagement = engagement_in(state, cast)
        if data.get("meeting") == "?":  # a real meeting, which must still be there after
            logged = Meeting.objects.create(
                engagement=engagement,
                held_on=engagement.start_date,
                minutes=30,
                logged_by=cast[Role.PROTEGE],
            )
            data = {"meeting": str(logged.pk)}
        before = snapshot(engagement)
        response = as_user(person).post(reverse(name, args=[engagement.pk]), data)
        assert response.status_code == 404, (verb, role)
        assert snapshot(engagement) == before
        if "meeting" in data:
            assert Meeting.objects.filter(pk=data["meeting"]).exists(), role


def test_needs_your_action_reads_the_table(cast):
    proposed = engagement_in("proposed", cast)
    completed = engagement_in("completed", cast)
    assert needed_action(proposed, cast[Role.MENTOR]) == RULES[Verb.ACCEPT].todo
    assert needed_action(proposed, cast[Role.INVITED]) == RULES[Verb.ANSWER_INVITATION].todo
    assert needed_action(proposed, cast[Role.PROTEGE]) == ""
    assert needed_action(completed, cast[Role.PROTEGE]) == RULES[Verb.THANK].todo
    assert needed_action(completed, cast[Role.MENTOR]) == RULES[Verb.ADVISE].todo


def test_the_engagement_page_shows_only_the_buttons_the_table_allows(cast, as_user):
    proposed = engagement_in("proposed", cast)
    url = proposed.get_absolute_url()
    for role, buttons, absent in (
        (Role.MENTOR, ["Accept", "Decline…"], ["Withdraw proposal…", "Join as a peer"]),
        (Role.PROTEGE, ["Withdraw proposal…"], ["Accept", "Join as a peer"]),
        (Role.INVITED, ["Join as a peer"], ["Accept", "Withdraw proposal…"]),
        (Role.ADMIN, [], ["Accept", "Withdraw proposal…", "Join as a peer"]),
    ):
        html = as_user(cast[role]).get(url).content.decode()
        for label in buttons:
            assert f">{label}<" in html, (role, label)
        for label in absent:
            assert f">{label}<" not in html, (role, label)
