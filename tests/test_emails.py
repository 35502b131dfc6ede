"""What the emails say and carry: one-click links for the addressed mentor only, a
calendar entry that parses, List-Unsubscribe on reminders and never on decisions."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from engagements import emails, sweep, transitions
from engagements.models import Engagement, Notification, NotificationPreference
from tests.factories import EmployeeFactory, engagement_between

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def email_for(kind: str, recipient):
    n = Notification.objects.select_related("engagement", "recipient", "actor").get(
        kind=kind, recipient=recipient
    )
    return emails.for_notification(n)


def link(message, word: str) -> str:
    found = re.search(rf"{word}: (\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_proposal_email_has_one_click_links_for_the_addressed_mentor_only(
    protege, mentor, outsider, as_user, settings
):
    engagement = engagement_between(protege, mentor, state="proposed")
    message = email_for(Kind.PROPOSAL_RECEIVED, mentor)
    assert message.to == [mentor.email]
    accept = link(message, "Accept")
    assert accept.startswith(settings.SITE_URL + "/engagements/decide/")
    assert link(message, "Decline").startswith(settings.SITE_URL + "/engagements/decide/")
    html = message.alternatives[0][0]
    assert accept.replace(settings.SITE_URL, "") in html
    path = accept.removeprefix(settings.SITE_URL)
    assert as_user(outsider).get(path).status_code == 404
    client = as_user(mentor)
    assert client.get(path).status_code == 200  # opening the link changes nothing
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED
    client.post(path)
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE
    assert "List-Unsubscribe" not in message.extra_headers


def test_the_mentor_answers_from_the_email_alone_and_the_reminder_asks_the_same(
    protege, mentor, peer, settings
):
    engagement = engagement_between(
        protege, mentor, state="proposed", peers=[peer], goals=2, activities=((2, 60), (1, 90))
    )
    sweep_time = engagement.proposed_at + dt.timedelta(
        days=engagement.program.remind_unanswered_after_days, hours=1
    )
    sweep.remind(sweep_time)
    dates = f"{engagement.start_date:%-d %B} to {engagement.end_date:%-d %B %Y}"
    for kind in (Kind.PROPOSAL_RECEIVED, Kind.REMIND_UNANSWERED):
        message = email_for(kind, mentor)
        for body in (message.body, message.alternatives[0][0]):
            assert f"Dates: {dates}" in body, kind
            assert "Time asked: 3 h 30 min in all" in body
            assert "2 × Discussion of 60 min" in body and "1 × Discussion of 90 min" in body
            assert "Their role: Shadowing the mentor (Prepare the pricing" in body
            assert "Peers invited: Tom Becker" in body
            assert "Goal 2" in body and "Measure 2" in body
            assert "Answer by " in body and "when the proposal expires" in body
        assert link(message, "Accept").startswith(settings.SITE_URL + "/engagements/decide/")
        assert link(message, "Decline").startswith(settings.SITE_URL + "/engagements/decide/")
    assert "&amp;" not in email_for(Kind.PROPOSAL_RECEIVED, mentor).body  # plain text


def test_the_accepted_email_carries_a_calendar_entry_that_parses(protege, mentor):
    engagement = engagement_between(protege, mentor)
    message = email_for(Kind.ACCEPTED, protege)
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("engagement.ics", "text/calendar")
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == engagement.start_date
    assert (event.decoded("dtend") - engagement.end_date).days == 1  # exclusive end
    assert engagement.title in str(event["summary"])
    assert "2 × Discussion of 60 min" in str(event["description"])
    assert str(event["transp"]) == "TRANSPARENT"  # weeks of all-day span, never "busy"
    assert str(Calendar.from_ical(content)["method"]) == "PUBLISH"
    assert "List-Unsubscribe" not in message.extra_headers


def test_everyone_in_a_running_engagement_can_add_it_to_their_calendar(
    protege, mentor, peer, outsider, admin, as_user
):
    """The mentor accepted without an email; a peer may join after it went out."""
    engagement = engagement_between(protege, mentor, peers=[peer])
    url = reverse("engagements:calendar", args=[engagement.pk])
    for person in (protege, mentor, peer):
        client = as_user(person)
        assert f'href="{url}" download>Add to calendar</a>' in (
            client.get(engagement.get_absolute_url()).content.decode()
        )
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "text/calendar"
        [event] = Calendar.from_ical(response.content).walk("VEVENT")
        assert event.decoded("dtstart") == engagement.start_date
    for person in (outsider, admin):  # not in it: no entry, as no page
        assert as_user(person).get(url).status_code == 404
    transitions.cancel(engagement, by=mentor, reason="Reorganisation")
    assert as_user(protege).get(url).status_code == 404
    assert "Add to calendar" not in (
        as_user(protege).get(engagement.get_absolute_url()).content.decode()
    )


def test_reminders_carry_one_click_unsubscribe_and_decisions_do_not(protege, mentor):
    engagement = engagement_between(protege, mentor, state="declined")
    reminder = Notification.objects.create(
        engagement=engagement,
        recipient=mentor,
        kind=Kind.REMIND_ENDING,
        occasion="ending",
        created_at=engagement.created_at,
        due_at=engagement.created_at,
    )
    message = emails.for_notification(reminder)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://")
    declined = email_for(Kind.DECLINED, protege)
    assert "List-Unsubscribe" not in declined.extra_headers
    assert "List-Unsubscribe-Post" not in declined.extra_headers
    # Headers survive into the sent message.
    message.send()
    sent = mail.outbox[-1].message()
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Message-ID"] == emails.message_id(reminder)


def test_one_click_unsubscribe_works_without_a_session(client, mentor):
    url = emails.unsubscribe_url(mentor.pk).split("://", 1)[1].split("/", 1)[1]
    path = "/" + url
    assert client.get(path).status_code == 200  # a mail scanner's GET changes nothing
    assert NotificationPreference.reminders_for(mentor.pk) == "each"
    client.handler.enforce_csrf_checks = True
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.reminders_for(mentor.pk) == "off"


def test_a_forged_unsubscribe_link_changes_nothing(client, mentor):
    response = client.post("/engagements/notifications/unsubscribe/forged/")
    assert response.status_code == 400
    assert NotificationPreference.reminders_for(mentor.pk) == "each"


def test_the_settings_page_chooses_the_digest(mentor, as_user):
    client = as_user(mentor)
    assert client.get("/engagements/notifications/settings/").status_code == 200
    client.post("/engagements/notifications/settings/", {"reminders": "digest"})
    assert NotificationPreference.reminders_for(mentor.pk) == "digest"


def test_peers_hear_that_a_declined_or_expired_proposal_is_not_going_ahead(protege, mentor, peer):
    invited = EmployeeFactory(full_name="Ivy Invited")
    declined = engagement_between(protege, mentor, state="proposed", peers=[peer, invited])
    transitions.answer_invitation(declined, by=peer, join=True)
    transitions.decline(declined, by=mentor, reason="not_now", message="Sorry Priya, not now.")
    expired = engagement_between(protege, mentor, state="proposed", peers=[peer], title="Pricing")
    transitions.expire(expired)

    told = Notification.objects.filter(kind__in=[Kind.DECLINED, Kind.EXPIRED])
    assert set(told.values_list("engagement", "recipient", "kind")) == {
        (declined.pk, protege.pk, Kind.DECLINED),
        (declined.pk, peer.pk, Kind.DECLINED),
        (declined.pk, invited.pk, Kind.DECLINED),
        (expired.pk, protege.pk, Kind.EXPIRED),
        (expired.pk, peer.pk, Kind.EXPIRED),
    }
    to_peer = email_for(Kind.DECLINED, invited)
    assert to_peer.subject == "Not going ahead: Negotiating agency contracts"
    assert "Priya Patel's proposal you were invited to join" in to_peer.body
    assert "Sorry Priya" not in to_peer.body  # the mentor wrote that to the protégé
    to_protege = email_for(Kind.DECLINED, protege)
    assert to_protege.subject.startswith("Daniel can't mentor you this time")
    assert "Sorry Priya, not now." in to_protege.body
    expired_for_peer = email_for(Kind.EXPIRED, peer)
    assert expired_for_peer.subject == "Not going ahead: Pricing"
    assert "someone else" not in expired_for_peer.body
    assert "Propose it to someone else" in email_for(Kind.EXPIRED, protege).body


def test_every_kind_of_notification_renders_with_absolute_links(protege, mentor, settings):
    engagement = engagement_between(protege, mentor, state="completed")
    for kind in Kind.values:
        n = Notification(
            pk=1,
            engagement=engagement,
            recipient=protege,
            actor=mentor,
            kind=kind,
            created_at=engagement.created_at,
            due_at=engagement.created_at,
        )
        message = emails.for_notification(n)
        assert message.subject and settings.SITE_NAME in message.body
        assert settings.SITE_URL + "/engagements/" in message.body
        assert "&amp;" not in message.body and "&#x27;" not in message.subject


def test_the_outbox_page_shows_each_email_with_its_links(protege, mentor, client, settings):
    engagement_between(protege, mentor, state="proposed")
    settings.DEBUG = True
    client.force_login(mentor.user)
    page = client.get("/engagements/notifications/outbox/").content.decode()
    assert "asks you to mentor" in page and "/engagements/decide/" in page
    settings.DEBUG = False
    assert client.get("/engagements/notifications/outbox/").status_code == 404


def test_the_peer_invitation_says_what_the_peer_is_asked_to_join(protege, mentor, peer, settings):
    engagement = engagement_between(
        protege, mentor, state="proposed", peers=[peer], goals=2, activities=((2, 60), (1, 90))
    )
    message = email_for(Kind.PEER_INVITED, peer)
    assert message.to == [peer.email]
    assert "Priya" in message.subject and "Daniel Okafor" in message.subject
    html = message.alternatives[0][0]
    dates = f"{engagement.start_date:%-d %B} to {engagement.end_date:%-d %B %Y}"
    for body in (message.body, html):
        assert "Priya Patel invites you to join" in body
        assert "Mentor: Daniel Okafor, Senior Account Executive" in body
        assert f"Dates: {dates}" in body
        assert "Time asked: 3 h 30 min in all" in body
        assert "2 × Discussion of 60 min" in body and "1 × Discussion of 90 min" in body
        assert "Goal 1" in body and "Goal 2" in body and "Measure 2" in body
        assert settings.SITE_URL + engagement.get_absolute_url() in body
    assert f"Join or decline here:\n{settings.SITE_URL}{engagement.get_absolute_url()}" in (
        message.body
    )


def test_the_peer_invitation_costs_the_same_queries_however_long_the_plan(
    protege, mentor, peer, outsider, django_assert_num_queries
):
    engagement_between(
        protege, mentor, state="proposed", peers=[peer], goals=1, activities=[(1, 60)]
    )
    engagement_between(
        protege,
        mentor,
        state="proposed",
        peers=[outsider],
        goals=2,
        activities=[(1, 60), (2, 30), (3, 45), (1, 120)],
    )
    for person in (peer, outsider):
        # Loaded as the delivery worker loads it.
        n = Notification.objects.select_related(
            "engagement__program", "engagement__protege", "engagement__mentor", "recipient", "actor"
        ).get(kind=Kind.PEER_INVITED, recipient=person)
        with django_assert_num_queries(2):  # the goals, the activities
            emails.for_notification(n)


def test_the_unanswered_reminder_says_when_to_answer_by_on_the_programmes_clock(protege, mentor):
    import datetime as dt

    engagement = engagement_between(protege, mentor, state="proposed")
    engagement.program.time_zone = "Pacific/Auckland"  # UTC+13 in December
    engagement.program.save()
    engagement.expires_at = dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)
    n = Notification(
        pk=1,
        engagement=engagement,
        recipient=mentor,
        kind=Kind.REMIND_UNANSWERED,
        created_at=engagement.created_at,
        due_at=engagement.created_at,
    )
    message = emails.for_notification(n)
    expected = "Answer by Fri 4 December, 09:00 (Pacific/Auckland), when the proposal expires."
    assert expected in message.body
    assert expected in message.alternatives[0][0]


def test_each_peers_answer_reaches_the_protege_saying_joined_or_declined(protege, mentor, peer):
    other = EmployeeFactory(full_name="Ivy Invited")
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer, other])
    transitions.answer_invitation(engagement, by=peer, join=True)
    transitions.answer_invitation(engagement, by=other, join=False)
    # Two answers, two messages (the second used to be dropped as a repeat of the first).
    told = Notification.objects.filter(kind=Kind.PEER_ANSWERED, recipient=protege)
    assert sorted(told.values_list("actor__full_name", flat=True)) == ["Ivy Invited", "Tom Becker"]
    joined, declined = (
        emails.for_notification(
            Notification.objects.select_related("engagement", "recipient", "actor").get(
                kind=Kind.PEER_ANSWERED, actor=who
            )
        )
        for who in (peer, other)
    )
    assert joined.subject.startswith("Tom joined:")
    assert 'Tom Becker joined "Negotiating agency contracts" as a peer.' in joined.body
    assert declined.subject.startswith("Ivy declined your invitation:")
