"""Every page, as every kind of person, in every state an engagement can be in, answers
without a server error: someone new with nothing yet (My history was a 500 for them), a
protégé, a mentor, a peer, an outsider and a programme admin. A GET of an action's
address goes back to its page; a page someone may not see is a 404 or a redirect to
sign-in, never a 500."""

import pytest
from django.urls import reverse

from directory.models import Employee
from engagements.models import Engagement
from reports import exports
from tests.factories import EmployeeFactory, engagement_between, make_login

pytestmark = pytest.mark.django_db
STATES = ["draft", "proposed", "active", "completed", "declined", "expired", "withdrawn"]
STATES += ["cancelled"]
ENGAGEMENT_PAGES = ["detail", "edit"]
ENGAGEMENT_ACTIONS = ["propose", "withdraw", "delete", "follow_on", "accept", "decline"]
ENGAGEMENT_ACTIONS += ["log_meeting", "delete_meeting", "answer_invitation", "leave"]
ENGAGEMENT_ACTIONS += ["cancel", "thank", "advise"]
PAGES = ["home", "directory:index", "directory:profile_edit", "directory:import"]
PAGES += ["engagements:home", "engagements:new", "engagements:history", "engagements:inbox"]
PAGES += ["engagements:programme", "engagements:programme_settings_pick"]
PAGES += ["engagements:notification_settings", "reports:report"]
ANSWERS = {200, 302, 404}  # a page, a redirect (back, or to sign-in), or not yours


@pytest.fixture
def company(protege, mentor, peer, outsider, admin):
    newcomer = EmployeeFactory(full_name="Nora Newcomer")
    make_login(newcomer)
    for n, state in enumerate(STATES):
        engagement_between(protege, mentor, state=state, peers=[peer], title=f"Plan {n}")
    return [newcomer, protege, mentor, peer, outsider, admin]


def answers(client, url: str) -> int:
    status = client.get(url).status_code
    assert status in ANSWERS, f"{url} answered {status}"
    return status


def test_every_page_answers_everyone(as_user, company, program):
    engagements = list(Engagement.objects.all())
    people = list(Employee.objects.all())
    urls = [reverse(name) for name in PAGES]
    urls += [reverse("directory:employee", args=[p.pk]) for p in people]
    urls += [reverse("engagements:programme_settings", args=[program.pk])]
    urls += [reverse("reports:export", args=[table]) for table in exports.TABLES]
    for e in engagements:
        urls += [reverse(f"engagements:{name}", args=[e.pk]) for name in ENGAGEMENT_PAGES]
        urls += [reverse(f"engagements:{name}", args=[e.pk]) for name in ENGAGEMENT_ACTIONS]
    seen = set()
    for person in company:
        client = as_user(person)
        for url in urls:
            seen.add((url, answers(client, url)))
    # It did see pages, not only refusals: each kind of answer came up.
    assert {status for _, status in seen} == ANSWERS


def test_someone_new_sees_every_page_of_their_own(as_user, company):
    newcomer = company[0]
    client = as_user(newcomer)
    for name in ["engagements:home", "engagements:history", "engagements:inbox"]:
        assert answers(client, reverse(name)) == 200, name
    for name in ["engagements:new", "directory:index", "directory:profile_edit"]:
        assert answers(client, reverse(name)) == 200, name
    assert answers(client, newcomer.get_absolute_url()) == 200
