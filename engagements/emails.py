"""The emails: one function per message over a shared `make_message`, three templates each
(templates/emails/<name>-subject.txt, -body.txt, -body.html).

A message is built from its Notification row alone, so a worker, the sweep and the
development outbox page all render the same email, and a re-send after a crash carries
the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from directory.models import Employee
from engagements.matching import others_who_could_help
from engagements.models import Engagement, Event, Notification, Participant
from engagements.tokens import make_token

Kind = Notification.Kind
UNSUBSCRIBE_SALT = "engagements.unsubscribe"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(notification: Notification) -> str:
    """Stable per row: a second send of the same notification is recognisably the same."""
    return f"<notification-{notification.pk}.{notification.kind}@{site_host()}>"


def make_unsubscribe_token(employee_id: int) -> str:
    return signing.dumps({"u": employee_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(employee_id: int) -> str:
    token = make_unsubscribe_token(employee_id)
    return absolute(reverse("engagements:unsubscribe", args=[token]))


def make_message(
    name: str,
    to: Employee,
    ctx: dict,
    *,
    msgid: str,
    headers: dict | None = None,
    reminder: bool = False,
) -> EmailMultiAlternatives:
    ctx = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "recipient": to,
        "settings_url": absolute(reverse("engagements:notification_settings")),
        "reminder": reminder,
        **ctx,
    }
    headers = {"Message-ID": msgid, **(headers or {})}
    if reminder:
        # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs to this URL.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(to.pk)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", ctx).split())
    text = render_to_string(f"emails/{name}-body.txt", ctx)
    html = render_to_string(f"emails/{name}-body.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[to.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _context(n: Notification) -> dict:
    e = n.engagement
    return {
        "notification": n,
        "engagement": e,
        "actor": n.actor,
        "engagement_url": absolute(e.get_absolute_url()),
        # A message some kinds send the protégé and the peers alike says different things.
        "to_protege": n.recipient_id == e.protege_id,
    }


def _simple(
    name: str, *, reminder: bool = False
) -> Callable[[Notification], EmailMultiAlternatives]:
    def build(n: Notification) -> EmailMultiAlternatives:
        return make_message(name, n.recipient, _context(n), msgid=message_id(n), reminder=reminder)

    build.__name__ = name.replace("-", "_")
    return build


def _plan(n: Notification) -> dict:
    """The plan asked of someone (emails/_plan and _goals): two queries (goals,
    activities) on top of the row's own, read once for both bodies."""
    e = n.engagement
    return {**_context(n), "goals": list(e.goals.all()), "activities": list(e.activities.all())}


def _decision(n: Notification) -> dict:
    """What a mentor decides from: the plan, the role, the peers, the answer-by date and
    the signed one-click links (each opens a page; only its button acts). One query more
    than the plan's."""
    e = n.engagement
    return {
        **_plan(n),
        "peers": [p.employee for p in e.participants.select_related("employee")],
        "accept_url": absolute(reverse("engagements:decide", args=[make_token(e, "accept")])),
        "decline_url": absolute(reverse("engagements:decide", args=[make_token(e, "decline")])),
        "inbox_url": absolute(reverse("engagements:inbox")),
    }


def proposal_received(n: Notification) -> EmailMultiAlternatives:
    """To the mentor: enough of the proposal to answer from the email alone."""
    return make_message("proposal-received", n.recipient, _decision(n), msgid=message_id(n))


def remind_unanswered(n: Notification) -> EmailMultiAlternatives:
    """The same ask again, with the same one-click links, before the proposal expires."""
    return make_message(
        "remind-unanswered", n.recipient, _decision(n), msgid=message_id(n), reminder=True
    )


def peer_invited(n: Notification) -> EmailMultiAlternatives:
    """To an invited peer: enough of the proposal to decide from the email alone."""
    return make_message("peer-invited", n.recipient, _plan(n), msgid=message_id(n))


def peer_answered(n: Notification) -> EmailMultiAlternatives:
    """To the protégé: whether the peer joined or declined (one query)."""
    answer = (
        Participant.objects.filter(engagement_id=n.engagement_id, employee_id=n.actor_id)
        .values_list("answer", flat=True)
        .first()
    )
    ctx = {**_context(n), "joined": answer == Participant.Answer.ACCEPTED}
    return make_message("peer-answered", n.recipient, ctx, msgid=message_id(n))


def accepted(n: Notification) -> EmailMultiAlternatives:
    message = make_message("accepted", n.recipient, _context(n), msgid=message_id(n))
    message.attach("engagement.ics", calendar(n.engagement), "text/calendar")
    return message


def expired(n: Notification) -> EmailMultiAlternatives:
    ctx = {**_context(n), "left": Event.who_left(n.engagement_id)}
    if ctx["to_protege"]:  # whom to ask instead: the protégé's question, not the peers'
        others = others_who_could_help(n.engagement, now=n.created_at)
        ctx["others"] = [(s, absolute(s.person.get_absolute_url())) for s in others]
        # The plan comes along: only whom to ask and the dates are left to choose.
        ctx["new_url"] = absolute(reverse("engagements:new") + f"?from={n.engagement_id}")
    return make_message("expired", n.recipient, ctx, msgid=message_id(n))


def calendar(engagement: Engagement) -> bytes:
    """The engagement as an all-day event from its start to its end, with the plan."""
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//engagements//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")  # an entry to keep, not a meeting request to answer
    event = CalendarEvent()
    event.add("uid", f"engagement-{engagement.pk}@{site_host()}")
    event.add("dtstamp", timezone.now())
    event.add("summary", f"Mentoring: {engagement.title}")
    # Weeks of all-day span: shown, never "busy" (which would block every day in it).
    event.add("transp", "TRANSPARENT")
    if engagement.start_date:
        event.add("dtstart", engagement.start_date)
    if engagement.end_date:
        # DTEND of an all-day event is exclusive: the day after the last day.
        event.add("dtend", engagement.end_date + dt.timedelta(days=1))
    plan = [
        str(a) + (f" ({a.description})" if a.description else "")
        for a in engagement.activities.all()
    ]
    event.add(
        "description",
        "Planned activities:\n"
        + "\n".join(f"- {line}" for line in plan)
        + f"\n\n{absolute(engagement.get_absolute_url())}",
    )
    event.add("url", absolute(engagement.get_absolute_url()))
    cal.add_component(event)
    return cal.to_ical()


def digest(
    person: Employee, notifications: list[Notification], *, day: dt.date
) -> EmailMultiAlternatives:
    """One daily email listing a person's reminders (their preference)."""
    items = [(n, absolute(n.engagement.get_absolute_url())) for n in notifications]
    return make_message(
        "digest",
        person,
        {"items": items, "day": day, "digest": True},
        msgid=f"<digest-{person.pk}-{day.isoformat()}@{site_host()}>",
        reminder=True,
    )


declined = _simple("declined")
withdrawn = _simple("withdrawn")
cancelled = _simple("cancelled")
completed = _simple("completed")
thanked = _simple("thanked")
advised = _simple("advised")
remind_ending = _simple("remind-ending", reminder=True)
remind_wrapup = _simple("remind-wrapup", reminder=True)
remind_invitation = _simple("remind-invitation", reminder=True)

MESSAGES: dict[str, Callable[[Notification], EmailMultiAlternatives]] = {
    Kind.PROPOSAL_RECEIVED: proposal_received,
    Kind.PEER_INVITED: peer_invited,
    Kind.ACCEPTED: accepted,
    Kind.DECLINED: declined,
    Kind.WITHDRAWN: withdrawn,
    Kind.EXPIRED: expired,
    Kind.CANCELLED: cancelled,
    Kind.COMPLETED: completed,
    Kind.PEER_ANSWERED: peer_answered,
    Kind.PEER_LEFT: _simple("peer-left"),
    Kind.THANKED: thanked,
    Kind.ADVISED: advised,
    Kind.REMIND_UNANSWERED: remind_unanswered,
    Kind.REMIND_ENDING: remind_ending,
    Kind.REMIND_WRAPUP: remind_wrapup,
    Kind.REMIND_INVITATION: remind_invitation,
}


def for_notification(n: Notification) -> EmailMultiAlternatives:
    return MESSAGES[n.kind](n)
