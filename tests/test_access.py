"""Every engagement URL, for every persona: who gets the page, who gets 404.

Anonymous visitors are sent to sign in; outsiders get 404 exactly as for an engagement
that does not exist; programme admins see every (non-draft) engagement read-only.
"""

import pytest
from django.urls import reverse

from engagements.tokens import make_token
from tests.factories import engagement_between

pytestmark = pytest.mark.django_db

PERSONAS = ["protege", "mentor", "peer", "outsider", "admin"]

# name, method, state of the engagement it acts on, URL name (or a builder), who may use it
WALK = [
    ("detail", "get", "active", "engagements:detail", {"protege", "mentor", "peer", "admin"}),
    ("detail of a draft", "get", "draft", "engagements:detail", {"protege"}),
    ("edit draft", "get", "draft", "engagements:edit", {"protege"}),
    ("save draft", "post", "draft", "engagements:edit", {"protege"}),
    ("edit active", "get", "active", "engagements:edit", set()),
    ("propose", "post", "draft", "engagements:propose", {"protege"}),
    ("delete draft", "post", "draft", "engagements:delete", {"protege"}),
    ("withdraw", "post", "proposed", "engagements:withdraw", {"protege"}),
    ("accept", "post", "proposed", "engagements:accept", {"mentor"}),
    ("decline page", "get", "proposed", "engagements:decline", {"mentor"}),
    ("decline", "post", "proposed", "engagements:decline", {"mentor"}),
    ("join as peer", "post", "proposed", "engagements:answer_invitation", {"peer"}),
    ("log meeting", "post", "active", "engagements:log_meeting", {"protege", "mentor", "peer"}),
    ("cancel", "post", "active", "engagements:cancel", {"protege", "mentor"}),
    ("thank", "post", "completed", "engagements:thank", {"protege"}),
    ("advise", "post", "completed", "engagements:advise", {"mentor"}),
    ("follow-on", "post", "completed", "engagements:follow_on", {"protege"}),
]
PAGES = [
    ("my engagements", "engagements:home"),
    ("inbox", "engagements:inbox"),
    ("new proposal", "engagements:new"),
]


@pytest.fixture
def people(protege, mentor, peer, outsider, admin):
    return {
        "protege": protege,
        "mentor": mentor,
        "peer": peer,
        "outsider": outsider,
        "admin": admin,
    }


@pytest.mark.parametrize("name,method,state,url_name,allowed", WALK, ids=[w[0] for w in WALK])
def test_each_engagement_url_for_each_persona(
    client, people, name, method, state, url_name, allowed
):
    engagement = engagement_between(
        people["protege"], people["mentor"], state=state, peers=[people["peer"]]
    )
    if state == "proposed":
        # The peer has not answered yet, so the invitation is open.
        engagement.participants.update(answer="invited")
    url = reverse(url_name, args=[engagement.pk])
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for persona in PERSONAS:
        client.force_login(people[persona].user)
        response = getattr(client, method)(url)
        if persona in allowed:
            assert response.status_code in (200, 302, 422), (persona, response.status_code)
            assert "/accounts/login/" not in response.get("Location", "")
        else:
            assert response.status_code == 404, (persona, response.status_code)


@pytest.mark.parametrize("name,url_name", PAGES, ids=[p[0] for p in PAGES])
def test_personal_pages_are_open_to_every_employee_and_show_only_their_own(
    client, people, name, url_name
):
    engagement_between(people["protege"], people["mentor"], state="proposed")
    url = reverse(url_name)
    assert client.get(url).status_code == 302
    for persona in PERSONAS:
        client.force_login(people[persona].user)
        response = client.get(url)
        assert response.status_code == 200, persona
        html = response.content.decode()
        shows = "Negotiating agency contracts" in html
        if url_name == "engagements:inbox":
            assert shows == (persona == "mentor"), persona
        elif url_name == "engagements:home":
            assert shows == (persona in ("protege", "mentor")), persona
        else:  # a blank proposal form (the title's help text happens to use the same words)
            assert 'value="Negotiating agency contracts"' not in html, persona
            assert 'name="action" value="propose"' in html, persona


def test_programme_admins_do_not_see_private_meeting_notes(client, people):
    from engagements import meetings

    engagement = engagement_between(people["protege"], people["mentor"])
    meetings.log_meeting(
        engagement,
        by=people["mentor"],
        held_on=engagement.start_date,
        minutes=30,
        note="Talked about the reorg, in confidence.",
    )
    for persona, sees in [("protege", True), ("mentor", True), ("admin", False)]:
        client.force_login(people[persona].user)
        html = client.get(engagement.get_absolute_url()).content.decode()
        assert ("Talked about the reorg" in html) is sees, persona
        assert "30 min" in html


def test_the_email_link_is_the_mentors_alone_and_everyone_else_gets_404(client, people):
    engagement = engagement_between(people["protege"], people["mentor"], state="proposed")
    url = reverse("engagements:decide", args=[make_token(engagement, "accept")])
    for persona in ["protege", "peer", "outsider", "admin"]:
        client.force_login(people[persona].user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    engagement.refresh_from_db()
    assert engagement.state == "proposed"


def test_programme_admins_list_every_engagement_but_drafts_and_nobody_else_can(client, people):
    engagement_between(people["protege"], people["mentor"], title="Active one")
    engagement_between(people["peer"], people["mentor"], state="declined", title="Declined one")
    engagement_between(people["protege"], people["mentor"], state="draft", title="Secret draft")
    url = reverse("engagements:programme")
    for persona in ["protege", "mentor", "peer", "outsider"]:
        client.force_login(people[persona].user)
        assert client.get(url).status_code == 404, persona
    client.force_login(people["admin"].user)
    html = client.get(url).content.decode()
    assert "Active one" in html and "Declined one" in html and "Secret draft" not in html
    filtered = client.get(url, {"state": "declined"}).content.decode()
    assert "Declined one" in filtered and "Active one" not in filtered
    by_name = client.get(url, {"q": "tom becker"}).content.decode()
    assert "Declined one" in by_name and "Active one" not in by_name


def test_the_programme_list_makes_the_same_number_of_queries_for_2_and_12_rows(client, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EmployeeFactory

    client.force_login(people["admin"].user)
    url = reverse("engagements:programme")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    def add(n):
        for _ in range(n):
            engagement_between(EmployeeFactory(), EmployeeFactory())

    add(2)
    few = queries()
    add(10)
    assert queries() == few
