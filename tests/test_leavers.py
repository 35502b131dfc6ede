"""Someone leaves the company: the employee list says `active = no`. They can no longer
sign in (and are signed out), are emailed nothing more, and no proposal waits on them:
the sweep closes it and the protégé hears who else could help. An engagement under way
goes on to its end date; the one still here is told on its page and may cancel."""

import datetime as dt
import importlib

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialLogin
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory import tasks
from directory.adapters import SocialAccountAdapter
from directory.importing import import_employees_csv
from directory.models import Employee, ImportRun
from engagements import delivery, sweep, transitions
from engagements.models import Event, Notification, NotificationPreference
from tests import services
from tests.factories import EmployeeFactory, engagement_between
from tests.test_accounts import confirm_from_mail, sign_in, sign_up

pytestmark = pytest.mark.django_db
smtp_sink = services.smtp_sink  # the fixture
Kind = Notification.Kind
MY_ENGAGEMENTS = reverse("engagements:home")


def active_file(*people: tuple[Employee, str]) -> bytes:
    rows = "".join(f"{person.email},{person.full_name},{active}\n" for person, active in people)
    return ("email,full_name,active\n" + rows).encode()


def signed_in(client) -> bool:
    return client.get(MY_ENGAGEMENTS).status_code == 200


def body(message) -> str:  # the plain-text part
    return message.get_payload()[0].get_payload(decode=True).decode()


def leaves(*people: Employee) -> None:
    """As the import or the admin leaves the row; the login is not the sweep's concern."""
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(is_active=False)


class TestSigningIn:
    def test_an_import_saying_someone_left_signs_them_out_and_keeps_them_out(
        self, client, mentor, protege
    ):
        sign_in(client, mentor.email)
        assert signed_in(client)

        result = import_employees_csv(active_file((mentor, "no"), (protege, "yes")))

        assert result.ok and result.left == ["Daniel Okafor"] and result.returned == []
        assert "No longer active: Daniel Okafor." in result.summary
        assert not signed_in(client)  # the session they had ends at once
        response = sign_in(client, mentor.email)
        assert response["Location"] == reverse("account_inactive")
        page = client.get(response["Location"]).content.decode()
        assert "This account is switched off" in page and "ask your programme admin" in page
        assert f'href="{reverse("account_login")}"' in page  # and the way back
        assert not signed_in(client)
        assert get_user_model().objects.get(email=mentor.email).is_active is False

        back = import_employees_csv(active_file((mentor, "yes")))
        assert back.returned == ["Daniel Okafor"] and "Active again: Daniel Okafor." in back.summary
        sign_in(client, mentor.email)
        assert signed_in(client)

    def test_an_import_that_leaves_active_alone_leaves_a_closed_login_closed(self, mentor):
        # An admin closed this login by hand (a lost laptop, say); the person is still here.
        get_user_model().objects.filter(email=mentor.email).update(is_active=False)
        result = import_employees_csv(active_file((mentor, "yes")))
        assert result.ok and result.returned == []
        assert get_user_model().objects.get(email=mentor.email).is_active is False

    def test_someone_imported_as_left_after_signing_up_cannot_finish_signing_up(self, client):
        # Signed up with a company address, then HR's file listed them as gone before
        # they opened the confirmation link.
        sign_up(client, "new.starter@example.com")
        assert not Employee.objects.filter(email="new.starter@example.com").exists()

        import_employees_csv(b"email,full_name,active\nnew.starter@example.com,New Starter,no\n")

        assert get_user_model().objects.get(email="new.starter@example.com").is_active is False
        confirm_from_mail(client)
        assert not signed_in(client)

    def test_a_background_import_reports_who_left_and_what_it_created(self, mentor, admin, as_user):
        upload = b"email,full_name,department,active\n" + (
            f"{mentor.email},Daniel Okafor,Sales Ops,no\n".encode()
        )
        run = ImportRun.objects.create(filename="people.csv", data=upload)
        tasks.import_file(run.pk)  # what the worker runs
        run.refresh_from_db()
        assert run.summary == (
            "0 new, 1 updated, 0 unchanged. New departments: Sales Ops. "
            "No longer active: Daniel Okafor."
        )
        page = as_user(admin).get(reverse("directory:import_run", args=[run.pk]))
        assert f"Imported: {run.summary}" in page.content.decode()

    def test_the_upgrade_closes_the_logins_of_people_who_had_already_left(self, mentor, protege):
        leaves(mentor)  # left before this release: the login stayed open
        unlinked = get_user_model().objects.create_user("x", "Gone@Example.com", "pw")
        EmployeeFactory(email="gone@example.com", full_name="Gone Person", is_active=False)
        upgrade = importlib.import_module("directory.migrations.0016_leavers_signed_out")

        upgrade.close_leavers_logins(apps, None)

        active = dict(get_user_model().objects.values_list("email", "is_active"))
        assert active == {mentor.email: False, protege.email: True, unlinked.email: False}

    def test_someone_who_left_cannot_sign_up_again(self, client):
        EmployeeFactory(email="gone@example.com", full_name="Gone Person", is_active=False)
        response = sign_up(client, "gone@example.com")
        assert "ask your programme admin to add you to the directory" in response.content.decode()
        assert not get_user_model().objects.filter(email="gone@example.com").exists()
        # Still open to everyone else at the company.
        sign_up(client, "someone.new@example.com")
        assert get_user_model().objects.filter(email="someone.new@example.com").exists()

    def test_a_password_reset_answers_alike_for_anyone(self, client, mentor, protege):
        # Whether an address is a leaver's, a stranger's or a colleague's is not told.
        leaves(mentor)
        for email in (mentor.email, "someone@gmail.com", protege.email, "new.hire@example.com"):
            response = client.post(reverse("account_reset_password"), {"email": email})
            assert response.status_code == 302, email
            assert response["Location"] == reverse("account_reset_password_done")
        # Mail goes to the colleague (a link) and to one who may sign up ("no account yet"),
        # never to the internet at large, nor to whoever left.
        assert sorted(to for m in mail.outbox for to in m.to) == [
            "new.hire@example.com",
            protege.email,
        ]

    def test_only_a_company_address_can_be_added_to_an_account(self, client, protege):
        client.force_login(protege.user)
        for email, added in (("me@gmail.com", False), ("priya.second@example.com", True)):
            response = client.post(reverse("account_email"), {"action_add": "", "email": email})
            assert ("Sign-up is for employees" in response.content.decode()) is not added
            assert EmailAddress.objects.filter(email=email).exists() is added

    def test_single_sign_on_opens_no_account_for_someone_who_left(self, rf):
        EmployeeFactory(email="gone@example.com", full_name="Gone Person", is_active=False)
        EmployeeFactory(email="here@example.com", full_name="Here Person")

        def from_provider(email: str) -> SocialLogin:
            user = get_user_model()(email=email)
            addresses = [EmailAddress(email=email, verified=True)]
            return SocialLogin(user=user, email_addresses=addresses)

        adapter = SocialAccountAdapter()
        assert adapter.is_open_for_signup(rf.get("/"), from_provider("here@example.com"))
        assert not adapter.is_open_for_signup(rf.get("/"), from_provider("gone@example.com"))

    def test_a_login_an_older_release_left_open_is_closed_when_they_next_sign_in(
        self, client, mentor
    ):
        leaves(mentor)  # the row changed, the login did not (as before this release)
        sign_in(client, mentor.email)
        assert not signed_in(client)
        assert get_user_model().objects.get(email=mentor.email).is_active is False

    def test_the_django_admin_marking_someone_inactive_signs_them_out(self, client, mentor):
        get_user_model().objects.create_superuser("it@example.com", "it@example.com", "pw")
        signed_in_mentor = client.__class__()
        signed_in_mentor.force_login(get_user_model().objects.get(email=mentor.email))
        assert signed_in(signed_in_mentor)
        client.force_login(get_user_model().objects.get(email="it@example.com"))
        change = reverse("admin:directory_employee_change", args=[mentor.pk])
        data = {k: v for k, v in model_to_dict(mentor).items() if v is not None}
        data["skills"] = [s.pk for s in mentor.skills.all()]
        data["interests"] = []
        del data["is_active"]  # the box unticked: a browser sends nothing for it
        response = client.post(change, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        mentor.refresh_from_db()
        assert mentor.is_active is False
        assert not signed_in(signed_in_mentor)


class TestProposals:
    def test_a_proposal_to_a_mentor_who_left_closes_at_the_next_sweep_and_says_why(
        self, protege, mentor, peer, smtp_sink
    ):
        EmployeeFactory(full_name="Nina Other", skills=["Negotiation"], level=4)
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        smtp_sink.messages.clear()
        leaves(mentor)

        counts = sweep.run(now=timezone.now())

        assert counts["left"] == 1
        engagement.refresh_from_db()
        assert engagement.state == "expired"
        event = Event.objects.get(engagement=engagement, verb="expire")
        assert event.actor is None and event.message == Event.MENTOR_LEFT
        [to_protege] = smtp_sink.to(protege.email)
        assert to_protege["Subject"].startswith("Closed without an answer")
        text = body(to_protege)
        assert "Daniel Okafor left the company directory" in text
        assert "Nina Other" in text  # who else could help
        assert f"/engagements/new/?from={engagement.pk}" in text  # the plan comes along
        [to_peer] = [m for m in smtp_sink.to(peer.email) if m["Subject"].startswith("Not going")]
        assert "Daniel Okafor left the company directory" in body(to_peer)
        assert smtp_sink.to(mentor.email) == []
        assert sweep.run(now=timezone.now())["left"] == 0  # once

    def test_a_proposal_from_a_protege_who_left_closes_and_the_peers_are_told(
        self, protege, mentor, peer, smtp_sink
    ):
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        smtp_sink.messages.clear()
        leaves(protege)

        assert sweep.run(now=timezone.now())["left"] == 1

        engagement.refresh_from_db()
        assert engagement.state == "expired"
        assert Event.objects.get(engagement=engagement, verb="expire").message == (
            Event.PROTEGE_LEFT
        )
        [to_peer] = [m for m in smtp_sink.to(peer.email) if m["Subject"].startswith("Not going")]
        assert "Priya Patel left the company directory" in body(to_peer)
        assert smtp_sink.to(protege.email) == []  # not emailed: they left
        told = Notification.objects.get(kind=Kind.EXPIRED, recipient=protege)
        assert told.outcome == Notification.Outcome.LEFT and told.sent_at is not None

    def test_an_engagement_under_way_goes_on_and_the_one_still_here_is_told(
        self, client, protege, mentor, peer
    ):
        engagement = engagement_between(protege, mentor, peers=[peer])
        leaves(mentor)
        assert sweep.run(now=timezone.now())["left"] == 0
        engagement.refresh_from_db()
        assert engagement.state == "active"

        client.force_login(protege.user)
        page = client.get(engagement.get_absolute_url()).content.decode()
        assert "Daniel Okafor is no longer in the company directory" in page
        assert "or cancel it below" in page and "Cancel this engagement" in page
        client.force_login(peer.user)
        page = client.get(engagement.get_absolute_url()).content.decode()
        assert "Daniel Okafor is no longer in the company directory" in page
        assert "or cancel it below" not in page  # a peer cannot cancel

    def test_an_invited_peer_who_left_reads_invitation_closed_not_invited(
        self, client, protege, mentor, peer
    ):
        """Their answer can never come: the proposal's page does not say it may."""
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        client.force_login(protege.user)
        waiting = "peer · invited</span>"
        assert waiting in client.get(engagement.get_absolute_url()).content.decode()
        leaves(peer)
        page = client.get(engagement.get_absolute_url()).content.decode()
        assert "(left the company)</span> <span" in page
        assert waiting not in page and "peer · invitation closed</span>" in page

    def test_the_lists_say_who_left_and_read_it_with_the_names(self, protege, mentor, admin):
        """My engagements (what needs me and the tables), my history and the programme
        list name someone who left as such: read with the row, not a query a row."""
        engagement_between(protege, mentor, state="proposed")
        ended = engagement_between(protege, mentor)
        for other in EmployeeFactory.create_batch(2):
            engagement_between(protege, other)
        left = 'Daniel Okafor <span class="muted">(left the company)</span>'
        pages = [
            (protege, MY_ENGAGEMENTS, 2),  # the table and the proposal awaiting him
            (protege, reverse("engagements:history"), 2),
            (admin, reverse("engagements:programme"), 2),
        ]
        clients, before = {protege: Client(), admin: Client()}, {}
        for person, client in clients.items():
            client.force_login(person.user)
        for person, url, _shown in pages:
            clients[person].get(url)  # the first look reads what later ones keep
            with CaptureQueriesContext(connection) as queries:
                html = clients[person].get(url).content.decode()
            before[person.pk, url] = len(queries)
            assert "left the company" not in html

        leaves(mentor)
        for person, url, shown in pages:
            with CaptureQueriesContext(connection) as queries:
                html = clients[person].get(url).content.decode()
            assert html.count(left) == shown, url
            assert len(queries) == before[person.pk, url], url
        assert ended.protege.full_name in html  # the programme list: the protégé as before

    def test_the_closed_proposal_says_who_left_on_its_page_and_when_proposed_again(
        self, client, protege, mentor
    ):
        engagement = engagement_between(protege, mentor, state="proposed")
        leaves(mentor)
        sweep.run(now=timezone.now())
        client.force_login(protege.user)

        def pages() -> tuple[str, str]:
            page = client.get(engagement.get_absolute_url()).content.decode()
            again = client.get(reverse("engagements:new") + f"?from={engagement.pk}")
            return page, again.content.decode()

        for comes_back in (False, True):  # and why it closed stays what it was then
            Employee.objects.filter(pk=mentor.pk).update(is_active=comes_back)
            page, again = pages()
            assert "Closed without an answer" in page and "No answer in time" not in page
            assert "Daniel Okafor left the company directory, so this proposal closed" in page
            assert "Automatically closed without an answer — “The mentor is no longer" in page
            assert "closed when Daniel Okafor left the company directory" in again

    def test_a_suggested_mentor_who_left_is_named_but_not_offered(self, client, protege, mentor):
        nina = EmployeeFactory(full_name="Nina Other", skills=["Negotiation"], level=4)
        engagement = engagement_between(protege, mentor, state="proposed")
        transitions.decline(engagement, by=mentor, reason="not_now", suggested_mentor=nina)
        client.force_login(protege.user)
        offer = f"mentor={nina.pk}"
        assert offer in client.get(engagement.get_absolute_url()).content.decode()

        leaves(nina)

        page = client.get(engagement.get_absolute_url()).content.decode()
        assert (
            'They suggest asking Nina Other <span class="muted">(left the company)</span>' in page
        )
        assert offer not in page and nina.get_absolute_url() not in page


class TestEmail:
    def test_nothing_is_emailed_to_someone_who_left(self, protege, mentor, smtp_sink):
        engagement = engagement_between(protege, mentor, state="proposed")
        leaves(mentor)
        now = timezone.now()
        waiting = Notification.objects.create(
            recipient=mentor,
            engagement=engagement,
            kind=Kind.REMIND_UNANSWERED,
            occasion="test",
            created_at=now,
            due_at=now,
        )
        smtp_sink.messages.clear()

        assert delivery.deliver(waiting.pk, now=now) == Notification.Outcome.LEFT

        waiting.refresh_from_db()
        assert waiting.sent_at == now and waiting.outcome == Notification.Outcome.LEFT
        assert smtp_sink.messages == []

    def test_no_daily_digest_goes_to_someone_who_left(self, protege, mentor, smtp_sink):
        engagement = engagement_between(protege, mentor, state="proposed")
        NotificationPreference.objects.create(
            employee=mentor, reminders=NotificationPreference.Reminders.DIGEST
        )
        now = timezone.now()
        Notification.objects.create(
            recipient=mentor,
            engagement=engagement,
            kind=Kind.REMIND_UNANSWERED,
            occasion="test",
            created_at=now - dt.timedelta(hours=1),
            due_at=now - dt.timedelta(hours=1),
        )
        leaves(mentor)
        assert delivery.send_digests(now=now) == 0
        assert smtp_sink.to(mentor.email) == []
