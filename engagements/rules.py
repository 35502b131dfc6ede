"""Who may do what to an engagement, in which state, and whom it tells: the one table.

Everything asks it: `Access.can` (which buttons a page shows, and 404 for a person who
may never act), the workflow functions before they write (`authorise`), and the home
page's "Needs your action" (`needed_action`). A verb that is not in RULES cannot be done
anywhere; a view, a task and a test are refused by the same code.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from directory.models import Employee
from engagements.models import Engagement, Meeting, Notification, Participant, TransitionError

State = Engagement.State
Kind = Notification.Kind


class Role(enum.StrEnum):
    """How a person stands in one engagement."""

    PROTEGE = "protege"
    MENTOR = "mentor"
    PEER = "peer"  # a peer who joined
    INVITED = "invited"  # a peer who has not answered yet
    ADMIN = "admin"  # a programme admin: reads everything, acts on nothing
    SYSTEM = "system"  # the sweep (no person)


class Audience(enum.StrEnum):
    """Whom a verb tells."""

    PROTEGE = "protege"
    MENTOR = "mentor"
    JOINED_PEERS = "joined_peers"
    INVITED_PEERS = "invited_peers"  # invited or joined: everyone who has not declined


class Verb(enum.StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    PROPOSE = "propose"
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    COMPLETE = "complete"
    CANCEL = "cancel"
    ANSWER_INVITATION = "answer_invitation"
    LEAVE = "leave"
    LOG_MEETING = "log_meeting"
    DELETE_MEETING = "delete_meeting"
    THANK = "thank"
    ADVISE = "advise"
    FOLLOW_ON = "follow_on"


@dataclass(frozen=True)
class Rule:
    states: frozenset[str]  # the states the verb may be done in
    by: frozenset[Role]  # who may do it
    to: str | None = None  # the state it moves to (None: a write that keeps the state)
    tells: tuple[tuple[Audience, str], ...] = ()  # (whom, with which notification)
    done: Callable[[Engagement], bool] | None = None  # already done: nothing left to do
    ready: Callable[[Engagement], bool] | None = None  # a condition besides the state
    todo: str = ""  # what "Needs your action" says while it waits for this person
    refusal: str = ""  # said to a person who may not do it
    settles: tuple[str, ...] = ()  # the actor's notifications that asked for this: now read
    # Everyone's notifications that asked for what this makes impossible (answering a
    # proposal withdrawn or expired, an invitation to one closed): now read, so no badge
    # counts a question nobody can answer any more.
    closes: tuple[str, ...] = ()
    # Done by several people, each telling once: two peers answering are two messages
    # (a notification is once per engagement, kind, recipient and occasion).
    once_per_actor: bool = False


def _thanked(e: Engagement) -> bool:
    return bool(e.wrap_up_or_none and e.wrap_up_or_none.thanked_at)


def _advised(e: Engagement) -> bool:
    return bool(e.wrap_up_or_none and e.wrap_up_or_none.advised_at)


def _rule(states, by, **kwargs) -> Rule:
    return Rule(frozenset(states), frozenset(by), **kwargs)


P, M = Role.PROTEGE, Role.MENTOR
INVITATION = (Kind.PEER_INVITED, Kind.REMIND_INVITATION)
UNANSWERED = (Kind.PROPOSAL_RECEIVED, Kind.REMIND_UNANSWERED, *INVITATION)
RULES: dict[Verb, Rule] = {
    Verb.EDIT: _rule(
        [State.DRAFT],
        [P],
        todo="Finish and propose your draft",
        refusal="Only the protégé edits a draft.",
    ),
    Verb.DELETE: _rule([State.DRAFT], [P], refusal="Only the protégé can delete a draft."),
    Verb.PROPOSE: _rule(
        [State.DRAFT],
        [P],
        to=State.PROPOSED,
        tells=(
            (Audience.MENTOR, Kind.PROPOSAL_RECEIVED),
            (Audience.INVITED_PEERS, Kind.PEER_INVITED),
        ),
        refusal="Only the protégé proposes an engagement.",
    ),
    Verb.ACCEPT: _rule(
        [State.PROPOSED],
        [M],
        to=State.ACTIVE,
        # Peers who have not answered yet still can; the protégé and joined peers hear now.
        tells=((Audience.PROTEGE, Kind.ACCEPTED), (Audience.JOINED_PEERS, Kind.ACCEPTED)),
        todo="Accept or decline this proposal",
        refusal="Only the mentor can accept this proposal.",
        settles=(Kind.PROPOSAL_RECEIVED, Kind.REMIND_UNANSWERED),
    ),
    Verb.DECLINE: _rule(
        [State.PROPOSED],
        [M],
        to=State.DECLINED,
        # The peers too: their invitation goes with it ("not going ahead").
        tells=((Audience.PROTEGE, Kind.DECLINED), (Audience.INVITED_PEERS, Kind.DECLINED)),
        refusal="Only the mentor can decline this proposal.",
        settles=(Kind.PROPOSAL_RECEIVED, Kind.REMIND_UNANSWERED),
        closes=INVITATION,
    ),
    Verb.WITHDRAW: _rule(
        [State.PROPOSED],
        [P],
        to=State.WITHDRAWN,
        tells=((Audience.MENTOR, Kind.WITHDRAWN), (Audience.INVITED_PEERS, Kind.WITHDRAWN)),
        refusal="Only the protégé can withdraw a proposal.",
        closes=UNANSWERED,
    ),
    Verb.EXPIRE: _rule(
        [State.PROPOSED],
        [Role.SYSTEM],
        to=State.EXPIRED,
        tells=((Audience.PROTEGE, Kind.EXPIRED), (Audience.INVITED_PEERS, Kind.EXPIRED)),
        refusal="A proposal expires by itself when nobody answers in time.",
        closes=UNANSWERED,
    ),
    Verb.COMPLETE: _rule(
        [State.ACTIVE],
        [Role.SYSTEM],
        to=State.COMPLETED,
        tells=(
            (Audience.PROTEGE, Kind.COMPLETED),
            (Audience.MENTOR, Kind.COMPLETED),
            (Audience.JOINED_PEERS, Kind.COMPLETED),
        ),
        refusal="An engagement completes by itself on its agreed end date.",
        closes=INVITATION,
    ),
    Verb.CANCEL: _rule(
        [State.ACTIVE],
        [P, M],
        to=State.CANCELLED,
        tells=(
            (Audience.PROTEGE, Kind.CANCELLED),
            (Audience.MENTOR, Kind.CANCELLED),
            (Audience.JOINED_PEERS, Kind.CANCELLED),
        ),
        refusal="Only the protégé or the mentor can cancel.",
        closes=INVITATION,
    ),
    Verb.ANSWER_INVITATION: _rule(
        [State.PROPOSED, State.ACTIVE],
        [Role.INVITED],
        tells=((Audience.PROTEGE, Kind.PEER_ANSWERED),),
        once_per_actor=True,
        todo="Join or decline the invitation",
        refusal="This invitation was already answered or is no longer open.",
        settles=(Kind.PEER_INVITED, Kind.REMIND_INVITATION),
    ),
    # A peer who joined may step out while it is open; the protégé and the mentor hear.
    # The mentor's hour then serves one fewer; nothing else changes.
    Verb.LEAVE: _rule(
        [State.PROPOSED, State.ACTIVE],
        [Role.PEER],
        tells=((Audience.PROTEGE, Kind.PEER_LEFT), (Audience.MENTOR, Kind.PEER_LEFT)),
        once_per_actor=True,
        refusal="Only a peer who joined can leave an engagement.",
    ),
    Verb.LOG_MEETING: _rule(
        [State.ACTIVE],
        [P, M, Role.PEER],
        refusal="Only the people in this engagement log its meetings.",
    ),
    # Taking a meeting back (a typo: 90 for 30 minutes) is open exactly while logging is:
    # the engagement's state, no date of its own. A meeting logged after the end date
    # passed, before the sweep closed the engagement, can still be corrected; once it
    # has ended, the time logged is the record the wrap-up and the reports stand on.
    # Only the one who logged it (`logged_it`): the others read it, they did not type it.
    Verb.DELETE_MEETING: _rule(
        [State.ACTIVE],
        [P, M, Role.PEER],
        refusal="Only the people in this engagement delete its meetings.",
    ),
    Verb.THANK: _rule(
        [State.COMPLETED],
        [P],
        tells=((Audience.MENTOR, Kind.THANKED),),
        done=_thanked,
        todo="Mark your goals and thank your mentor",
        refusal="Only the protégé marks the goals and thanks the mentor.",
        settles=(Kind.COMPLETED, Kind.REMIND_WRAPUP),
    ),
    Verb.ADVISE: _rule(
        [State.COMPLETED],
        [M],
        tells=((Audience.PROTEGE, Kind.ADVISED),),
        done=_advised,
        todo="Suggest the next area and the next mentor",
        refusal="Only the mentor suggests what and whom next.",
        settles=(Kind.COMPLETED, Kind.REMIND_WRAPUP, Kind.THANKED),
    ),
    Verb.FOLLOW_ON: _rule(
        [State.COMPLETED, State.CANCELLED],
        [P],
        # The method: thank first, then define anything longer as a new engagement.
        ready=lambda e: e.state == State.CANCELLED or _thanked(e),
        refusal="Only the protégé proposes a follow-on.",
    ),
}

# Why a verb cannot be done in the engagement's current state (it moved on).
ALREADY = {
    State.PROPOSED: "This engagement has already been proposed.",
    State.ACTIVE: "This proposal was already accepted.",
    State.COMPLETED: "This engagement has already ended.",
    State.DECLINED: "This proposal was already declined.",
    State.WITHDRAWN: "This proposal was withdrawn by the protégé.",
    State.EXPIRED: "This proposal expired without an answer.",
    State.CANCELLED: "This engagement was cancelled.",
    State.DRAFT: "This engagement is still a draft.",
}
NOT_NOW = {
    Verb.LEAVE: "Only an engagement still under way can be left.",
    Verb.LOG_MEETING: "Meetings are logged on active engagements only.",
    Verb.DELETE_MEETING: (
        "Meetings are deleted on active engagements only: once it has ended, the time "
        "logged stays as the record."
    ),
    Verb.THANK: "Wrap-up opens when the engagement has ended.",
    Verb.ADVISE: "Wrap-up opens when the engagement has ended.",
    Verb.FOLLOW_ON: "A follow-on starts when this engagement has ended.",
    Verb.EDIT: (
        "Only a draft can be changed: once proposed, the goals, activities, dates and "
        "budget stay as agreed."
    ),
}
NOT_READY = {
    Verb.FOLLOW_ON: (
        "Mark your goals and thank your mentor first; then plan anything longer as a "
        "new follow-on engagement."
    ),
}
ALREADY_DONE = {
    Verb.THANK: "You have already wrapped up this engagement.",
    Verb.ADVISE: "You have already given your advice.",
}


def roles_of(engagement: Engagement, person: Employee | None) -> frozenset[Role]:
    """The person's roles in this engagement (None: the system). Reads the participants
    through `engagement.participants.all()`, so a prefetch serves a whole list."""
    if person is None:
        return frozenset({Role.SYSTEM})
    roles = set()
    if engagement.protege_id == person.pk:
        roles.add(Role.PROTEGE)
    if engagement.mentor_id == person.pk:
        roles.add(Role.MENTOR)
    for participant in engagement.participants.all():
        if participant.employee_id == person.pk:
            if participant.answer == Participant.Answer.ACCEPTED:
                roles.add(Role.PEER)
            elif participant.answer == Participant.Answer.INVITED:
                roles.add(Role.INVITED)
    return frozenset(roles)


# Said to someone in the engagement who tries to delete a meeting another person logged.
NOT_THEIRS = "Only the person who logged a meeting can delete it."


def logged_it(meeting: Meeting, person: Employee | None) -> bool:
    """A meeting is deleted by the person who logged it (DELETE_MEETING), no one else."""
    return person is not None and meeting.logged_by_id == person.pk


def may_ever(verb: Verb, roles: frozenset[Role]) -> bool:
    """Whether someone with these roles is the kind of person who does this verb."""
    return bool(RULES[verb].by & roles)


def allowed(verb: Verb, engagement: Engagement, roles: frozenset[Role]) -> bool:
    """May someone with these roles do this now? (The buttons a page shows.)"""
    rule = RULES[verb]
    return (
        may_ever(verb, roles)
        and engagement.state in rule.states
        and not (rule.done and rule.done(engagement))
        and not (rule.ready and not rule.ready(engagement))
    )


def check_role(verb: Verb, engagement: Engagement, person: Employee | None) -> frozenset[Role]:
    """Refuse a person whose role never does this verb; return their roles."""
    roles = roles_of(engagement, person)
    if not may_ever(verb, roles):
        raise TransitionError(RULES[verb].refusal or "You cannot do this.")
    return roles


def authorise(verb: Verb, engagement: Engagement, person: Employee | None) -> frozenset[Role]:
    """Refuse with the reason, or return the person's roles: the role, then the state of
    this (freshly read or locked) engagement, then whether it is already done."""
    roles = check_role(verb, engagement, person)
    rule = RULES[verb]
    if engagement.state not in rule.states:
        raise TransitionError(
            NOT_NOW.get(verb) or ALREADY.get(engagement.state, "This cannot be done now.")
        )
    if rule.done and rule.done(engagement):
        raise TransitionError(ALREADY_DONE.get(verb, "This is already done."))
    if rule.ready and not rule.ready(engagement):
        raise TransitionError(NOT_READY.get(verb, "This cannot be done yet."))
    return roles


def needed_action(engagement: Engagement, person: Employee) -> str:
    """The one thing this person should do next on this engagement, if any."""
    roles = roles_of(engagement, person)
    for verb, rule in RULES.items():
        if rule.todo and allowed(verb, engagement, roles):
            return rule.todo
    return ""


def audience(rows: list[tuple[int, int, int]], whom: Audience) -> list[tuple[int, int]]:
    """(engagement, person) for everyone `whom` names in these (engagement, protégé,
    mentor) rows: one engagement for a transition, thousands for the sweep."""
    if whom == Audience.PROTEGE:
        return [(pk, protege) for pk, protege, _ in rows]
    if whom == Audience.MENTOR:
        return [(pk, mentor) for pk, _, mentor in rows]
    answers = [Participant.Answer.ACCEPTED]
    if whom == Audience.INVITED_PEERS:
        answers.append(Participant.Answer.INVITED)
    return list(
        Participant.objects.filter(
            engagement_id__in=[pk for pk, _, _ in rows], answer__in=answers
        ).values_list("engagement_id", "employee_id")
    )
