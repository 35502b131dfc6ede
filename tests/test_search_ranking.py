"""Search ranks and explains the same way on both databases: people with the skill first,
then title, then bio mentions, then learning interests; each card says why it matched.

The embedded default (SQLite) runs in a subprocess with its own VAR_DIR and no
DATABASE_URL, seeded with the demo company, exactly as `make run` does it."""

import html
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.models import Employee
from mentorship.demo.company import fixed_people, generated_people
from tests.embedded import manage_embedded
from tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

DEMO_SIZE = 300

# Searches as Priya, the demo protégé, through the test client: the full page and the
# live (htmx) results, every page of them; then edits a profile and searches again.
SQLITE_SCRIPT = """
import json, os
from django.test import Client
from directory.models import Employee, Skill
from directory.search import refresh_search_vectors

client = Client()
priya = Employee.objects.get(email="priya.patel@example.com")
client.force_login(priya.user)

def pages(q, headers):
    found, number = [], 1
    while True:
        response = client.get("/directory/", {"q": q, "page": number}, **headers)
        assert response.status_code == 200, response.status_code
        found.append(response.content.decode())
        if f"page={number + 1}" not in found[-1]:
            return found
        number += 1

out = {
    "page": pages("pyton", {}),
    "live": pages("pyton", {"HTTP_HX_REQUEST": "true"}),
}
priya.bio = "Ask me about accessibility audits."
priya.save()
priya.skills.add(Skill.objects.get(name="Python"))
refresh_search_vectors([priya.pk])
out["edited"] = pages("acessibility audtis", {}) + pages("pyton", {})
with open(os.path.join(os.environ["VAR_DIR"], "out.json"), "w") as f:
    json.dump(out, f)
"""


def cards(*pages: str) -> list[tuple[str, list[str]]]:
    """(name, reasons) for every result card, in order, across the pages given."""
    found = []
    for page in pages:
        results = page[page.index('id="results"') :]
        for card in results.split('<li class="person-card">')[1:]:
            name = re.search(r"<h3><a [^>]*>(.*?)</a></h3>", card).group(1)
            reasons = re.findall(r'<span class="match-reason">(.*?)</span>', card)
            found.append((html.unescape(name), [html.unescape(r) for r in reasons]))
    return found


def demo_people():
    """The demo company as seed_demo builds it (deterministic): the truth to check by."""
    fixed = fixed_people()
    people = fixed + generated_people(DEMO_SIZE - len(fixed), {p.email for p in fixed})
    return {p.full_name: p for p in people}


def where_python_is(person) -> int:
    """The order rule for "Python": 0 skill, 1 title, 2 bio, 3 learning it (whatever the
    bio says); -1 nowhere."""
    places = [
        "Python" in person.skills,
        "python" in person.title.lower().split(),
        "python" in re.findall(r"\w+", person.bio.lower()) and "Python" not in person.interests,
        "Python" in person.interests,
    ]
    return places.index(True) if True in places else -1


def assert_ranked_like_production(found: list[tuple[str, list[str]]]) -> None:
    people = demo_people()
    mentioning = {name for name, p in people.items() if where_python_is(p) >= 0}
    names = [name for name, _ in found]
    assert len(names) == len(set(names))
    assert set(names) == mentioning, "everyone with Python anywhere, and nobody else"
    places = [where_python_is(people[name]) for name in names]
    assert places == sorted(places), list(zip(names, places, strict=True))
    assert places[0] == 0 and places[-1] == 3, "experts first, learners last"
    assert "John Smith" in names[:5]
    for name, reasons in found:
        person = people[name]
        expected = (
            "Python · skill"
            if "Python" in person.skills
            else "Python · title"
            if "python" in person.title.lower().split()
            else "learning Python"
            if "Python" in person.interests
            else "mentions Python"
        )
        assert reasons and reasons[0] == expected, (name, reasons)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The embedded default's answers: `make run`'s database, seeded, searched."""
    var_dir = tmp_path_factory.mktemp("embedded")
    manage_embedded(
        var_dir,
        ["migrate", "--no-input", "-v", "0"],
        ["seed_demo", "--employees", str(DEMO_SIZE)],
        ["shell", "-c", SQLITE_SCRIPT],
    )
    return json.loads((var_dir / "out.json").read_text())


def test_embedded_default_ranks_experts_first_and_says_why_each_person_matched(embedded):
    assert_ranked_like_production(cards(*embedded["page"]))


def test_embedded_live_results_show_the_same_as_the_full_page(embedded):
    assert len(embedded["live"]) == len(embedded["page"]) == 2
    assert "<html" not in embedded["live"][0]
    live = cards(*embedded["live"])
    assert live == cards(*embedded["page"])
    assert all(reasons for _, reasons in live)


def test_embedded_learners_come_after_the_experts_labelled_learning(embedded):
    found = cards(*embedded["page"])
    learners = [i for i, (_, reasons) in enumerate(found) if reasons == ["learning Python"]]
    experts = [i for i, (_, reasons) in enumerate(found) if "Python · skill" in reasons]
    assert len(learners) >= 2 and len(experts) >= 10
    assert max(experts) < min(learners)
    # Paula and Ruth's bios say they are learning Python: that, not the mention, is why.
    assert {"Paula Wagner", "Ruth Becker"} <= {found[i][0] for i in learners}


def test_embedded_profile_changes_are_searchable_at_once(embedded):
    bio_page, *pyton_pages = embedded["edited"]
    assert cards(bio_page) == [("Priya Patel", ["mentions accessibility, audits"])]
    assert ("Priya Patel", ["Python · skill"]) in cards(*pyton_pages)


def test_postgresql_ranks_the_same_way_and_gives_the_same_reasons(embedded, client):
    call_command("seed_demo", employees=DEMO_SIZE, stdout=StringIO())
    client.force_login(Employee.objects.get(email="priya.patel@example.com").user)
    url = reverse("directory:index")
    pages = [client.get(url, {"q": "pyton", "page": n}).content.decode() for n in (1, 2)]
    found = cards(*pages)
    assert_ranked_like_production(found)
    # Within a tier the two rank functions may differ; who is found and why may not.
    assert dict(found) == dict(cards(*embedded["page"]))
    live = [
        client.get(url, {"q": "pyton", "page": n}, HTTP_HX_REQUEST="true").content.decode()
        for n in (1, 2)
    ]
    assert cards(*live) == found


# Small cases on PostgreSQL (the suite's database), one rule each.


@pytest.fixture
def python_people():
    EmployeeFactory(full_name="Learning Lena", interests=["Python"], bio="Python, Python, Python!")
    EmployeeFactory(full_name="Bio Ben", bio="I once wrote a Python script.", title="Writer")
    EmployeeFactory(full_name="Title Tara", title="Python Developer")
    EmployeeFactory(full_name="Skilled Sam", skills=["Python"], title="Engineer")


def test_skill_then_title_then_bio_then_learning_interest(python_people, protege, as_user):
    html_ = as_user(protege).get(reverse("directory:index"), {"q": "pyhton"}).content.decode()
    assert cards(html_) == [
        ("Skilled Sam", ["Python · skill"]),
        ("Title Tara", ["Python · title"]),
        ("Bio Ben", ["mentions Python"]),
        ("Learning Lena", ["learning Python"]),
    ]


def test_department_and_location_say_so_and_a_name_explains_itself(protege, as_user):
    sales = DepartmentFactory(name="Sales")
    EmployeeFactory(full_name="Lisbon Lou", department=sales, location="Lisbon", title="Rep")
    client = as_user(protege)
    url = reverse("directory:index")
    found = cards(client.get(url, {"q": "sales lisbon"}, HTTP_HX_REQUEST="true").content.decode())
    assert found == [("Lisbon Lou", ["Sales · department", "Lisbon · location"])]
    found = cards(client.get(url, {"q": "lisbon lou"}, HTTP_HX_REQUEST="true").content.decode())
    assert found == [("Lisbon Lou", ["Lisbon · location"])]
