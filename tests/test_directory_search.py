import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Employee
from directory.search import refresh_search_vectors, search_employees
from tests.factories import DepartmentFactory, EmployeeFactory, programme_today

pytestmark = pytest.mark.django_db


def names(text: str) -> list[str]:
    return [e.full_name for e in search_employees(Employee.objects.active(), text)]


@pytest.fixture
def company():
    EmployeeFactory(full_name="John Smith", skills=["Python", "Django"], title="Staff Engineer")
    EmployeeFactory(full_name="Jonas Smith", skills=["Kubernetes"])
    EmployeeFactory(full_name="Jin Smithers", skills=["Go"])
    EmployeeFactory(full_name="Maria Garcia", skills=["Negotiation"], title="Sales Director")
    EmployeeFactory(
        full_name="Ben Adams",
        skills=["Copywriting"],
        bio="I once wrote a Python script and worked with Maria Garcia on pricing.",
    )
    EmployeeFactory(full_name="Ada Kowalski", skills=["Python"], location="Berlin")


def test_misspelt_skill_finds_its_experts(company):
    found = names("pyton")
    assert found[:2] == ["Ada Kowalski", "John Smith"]
    assert "Ben Adams" in found  # the bio mention still counts, ranked below experts


def test_misspelt_name_with_swapped_letters_finds_the_person_first(company):
    assert names("jon smtih")[0] == "John Smith"


def test_typing_a_word_halfway_already_finds_people(company):
    assert names("negoti") == ["Maria Garcia"]
    assert names("kuber") == ["Jonas Smith"]


def test_exact_name_ranks_above_a_mention_in_someones_bio(company):
    assert names("Maria Garcia") == ["Maria Garcia", "Ben Adams"]


def test_skill_expert_ranks_above_a_mention_in_a_bio(company):
    found = names("python")
    assert found.index("Ben Adams") > found.index("John Smith")
    assert found.index("Ben Adams") > found.index("Ada Kowalski")


def test_where_a_word_matched_decides_the_tier_skill_title_department_bio_then_learners():
    """Rule 3 of directory.search, one tier each; the names are alphabetical the other
    way round, so only the tiers order them."""
    EmployeeFactory(full_name="Eve Learner", interests=["Pricing"])
    EmployeeFactory(full_name="Dan Bio", bio="Ask me about pricing.")
    EmployeeFactory(full_name="Cat Department", department=DepartmentFactory(name="Pricing"))
    EmployeeFactory(full_name="Bob Title", title="Pricing Analyst")
    EmployeeFactory(full_name="Zed Skill", skills=["Pricing"])
    found = search_employees(Employee.objects.active(), "pricing")
    assert [(e.full_name, e.search_tier) for e in found] == [
        ("Zed Skill", 0),
        ("Bob Title", 1),
        ("Cat Department", 2),
        ("Dan Bio", 3),
        ("Eve Learner", 4),
    ]


def test_every_word_must_match(company):
    assert names("python berlin") == ["Ada Kowalski"]


def test_words_matching_nothing_find_nobody(company):
    assert names("xylophone") == []


def test_inactive_people_are_not_found(company):
    Employee.objects.filter(full_name="John Smith").update(is_active=False)
    assert "John Smith" not in names("john smith")


def test_profile_changes_are_searchable_at_once(company, as_user):
    ada = Employee.objects.get(full_name="Ada Kowalski")
    ada.bio = "Ask me about accessibility audits."
    ada.save()
    refresh_search_vectors([ada.pk])
    assert names("acessibility audtis") == ["Ada Kowalski"]


class TestDirectoryPage:
    def test_search_as_you_type_returns_only_the_results(self, company, protege, as_user):
        client = as_user(protege)
        response = client.get(reverse("directory:index"), {"q": "pyton"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'id="results"' in html and "Ada Kowalski" in html and "John Smith" in html
        assert "HX-Request" in response["Vary"]

    def test_plain_request_gets_the_whole_page_and_works_without_javascript(
        self, company, protege, as_user
    ):
        response = as_user(protege).get(reverse("directory:index"), {"q": "jon smtih"})
        html = response.content.decode()
        assert "<html" in html and 'role="search"' in html
        assert html.index("John Smith") < html.index("Jonas Smith")

    def test_filters_by_skill_department_location_and_availability(self, protege, as_user):
        sales = DepartmentFactory(name="Sales")
        EmployeeFactory(full_name="Open Closer", department=sales, skills=["Negotiation"])
        EmployeeFactory(
            full_name="Busy Closer",
            department=sales,
            skills=["Negotiation"],
            open_to_mentoring=False,
        )
        EmployeeFactory(full_name="Berlin Closer", skills=["Negotiation"], location="Berlin")
        EmployeeFactory(full_name="Coder", skills=["Python"])
        client = as_user(protege)
        url = reverse("directory:index")

        def shown(**params):
            html = client.get(url, params).content.decode()
            html = html[html.index('id="results"') :]  # not the "Suggested for you" panel
            return {
                n for n in ["Open Closer", "Busy Closer", "Berlin Closer", "Coder"] if n in html
            }

        assert shown(skill="negotiation") == {"Open Closer", "Busy Closer", "Berlin Closer"}
        assert shown(skill="negotiation", department="sales") == {"Open Closer", "Busy Closer"}
        assert shown(skill="negotiation", open="on", department="sales") == {"Open Closer"}
        assert shown(location="Berlin", q="closer") == {"Berlin Closer"}

    def test_results_are_paginated(self, protege, as_user):
        EmployeeFactory.create_batch(25, skills=["Pricing"])
        client = as_user(protege)
        first = client.get(reverse("directory:index"), {"skill": "pricing"})
        second = client.get(reverse("directory:index"), {"skill": "pricing", "page": 2})
        assert first.context["page"].paginator.count == 25
        assert len(first.context["page"].object_list) == 20
        assert len(second.context["page"].object_list) == 5
        assert "skill=pricing&amp;page=2" in first.content.decode()

    def test_search_pages_hold_every_match_once_in_the_ranked_order(self, protege, as_user):
        """Pages rank on ids first, then read their rows (directory.paging): across the
        pages, every match once, in the order of the one-query ranking."""
        for i in range(23):
            EmployeeFactory(full_name=f"Pat Pricer {i:02d}", skills=["Pricing"])
        for i in range(9):
            EmployeeFactory(full_name=f"Bo Bio {i:02d}", bio="I dabble in pricing.")
        for i in range(8):
            EmployeeFactory(full_name=f"Lee Learner {i:02d}", interests=["Pricing"])
        client = as_user(protege)
        seen = []
        for number in (1, 2):
            page = client.get(reverse("directory:index"), {"q": "pricing", "page": number})
            seen += [e.pk for e in page.context["page"].object_list]
        ranked = [e.pk for e in search_employees(Employee.objects.active(), "pricing")]
        assert len(ranked) == 40
        assert seen == ranked
        tiers = [e.search_tier for e in search_employees(Employee.objects.active(), "pricing")]
        assert tiers == [0] * 23 + [3] * 9 + [4] * 8

    def test_a_search_counts_its_matches_with_its_page_and_any_page_number_answers(
        self, protege, as_user
    ):
        """A ranked page's ids carry the count of every match (directory.paging): no
        count apart. Page numbers past the end, below 1 or not numbers answer as
        Django's paginator does: the last page, the last page, the first."""
        for i in range(23):
            EmployeeFactory(full_name=f"Pat Pricer {i:02d}", skills=["Pricing"])
        client = as_user(protege)

        def page(number=None):
            asked = {"q": "pricing"} if number is None else {"q": "pricing", "page": number}
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("directory:index"), asked)
            found = response.context["page"]
            counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
            return found.number, found.paginator.count, len(found.object_list), counts

        assert page() == page(1) == (1, 23, 20, [])
        assert page(2) == (2, 23, 3, [])
        for past_the_end in (3, 0, -4, 10**30):
            number, count, shown, counts = page(past_the_end)
            assert (number, count, shown) == (2, 23, 3)
            assert len(counts) == 1  # Django's paginator counted, to find the last page
        assert page("two")[:3] == (1, 23, 20)
        nobody = client.get(reverse("directory:index"), {"q": "xylophone", "page": 1})
        assert nobody.context["page"].paginator.count == 0

    def test_nobody_found_says_so_kindly(self, protege, as_user):
        response = as_user(protege).get(reverse("directory:index"), {"q": "xylophone"})
        assert "Nobody matches that yet" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_directory_makes_the_same_number_of_queries_for_5_and_50_results(
    protege, as_user, monkeypatch, htmx
):
    monkeypatch.setattr("engagements.views.people.PAGE_SIZE", 100)  # show every result
    client = as_user(protege)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    def queries_for(count: int, skill: str) -> int:
        EmployeeFactory.create_batch(count, skills=[skill, "Leadership"], title="Sales Lead")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("directory:index"), {"q": skill}, **headers)
        assert response.content.decode().count('class="person-card"') == count
        return len(queries)

    assert queries_for(5, "Forecasting") == queries_for(50, "Budgeting")


def test_cards_say_who_is_available_to_mentor_now_and_the_filter_keeps_only_them(protege, as_user):
    import datetime as dt

    from tests.factories import engagement_between

    free = EmployeeFactory(full_name="Fran Free", skills=["Pricing"], mentoring_capacity=2)
    full = EmployeeFactory(full_name="Fred Full", skills=["Pricing"], mentoring_capacity=1)
    engagement_between(EmployeeFactory(level=1), full)
    EmployeeFactory(
        full_name="Sue Snoozed",
        skills=["Pricing"],
        snoozed_until=programme_today() + dt.timedelta(days=30),
    )
    client = as_user(protege)
    html = client.get(reverse("directory:index"), {"skill": "pricing"}).content.decode()
    assert "Open to mentoring · 2 slots free" in html
    assert "At capacity" in html
    assert "Not taking requests until" in html
    html = client.get(reverse("directory:index"), {"skill": "pricing", "open": "on"}).content
    results = html.decode()[html.decode().index('id="results"') :]
    assert free.full_name in results
    assert "Fred Full" not in results and "Sue Snoozed" not in results


def test_the_search_makes_its_tsquery_once_per_query_not_once_per_row(company):
    """The app's statements are prepared; in a generic plan `to_tsquery($1)` would be
    called for every row ranked (3x slower for a common word at 10 000 employees)."""
    sql = str(search_employees(Employee.objects.active(), "pyton negotiation").query)
    assert sql.count("(SELECT to_tsquery(") >= 5  # the match, the rank, the three tiers
    assert "@@ to_tsquery(" not in sql and "@@ (to_tsquery(" not in sql


@pytest.mark.parametrize("params", [{}, {"q": "python"}])
def test_the_directory_reads_the_programmes_date_once(company, protege, as_user, params):
    """The search form, "Suggested for you" and every card's availability share one date."""
    client = as_user(protege)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("directory:index"), params).status_code == 200
    looked_up = [q for q in queries if 'FROM "engagements_program" WHERE' in q["sql"]]
    assert len(looked_up) == 1, [q["sql"] for q in looked_up]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_existing_employee_a_name_vector():
    """Employees imported before names had their own vector get one (0012), so the name
    still counts in the ranking after the upgrade."""
    before = ("directory", "0011_employee_active_ranking_index")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("directory", "Employee")
    pk = old.objects.create(full_name="Jon Smith", email="jon@example.com").pk
    executor = MigrationExecutor(connection)  # then up to the latest again
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Employee.objects.values_list("name_vector", flat=True).get(pk=pk) == "'jon':1 'smith':2"


def test_a_refused_filter_is_named_and_the_valid_ones_still_apply(company, protege, as_user):
    """A crafted address (a place nobody works in, a search too long) never shows everyone
    under a heading that names the search."""
    client = as_user(protege)
    html = client.get(reverse("directory:index"), {"q": "python", "location": "Mars"})
    html = html.content.decode()
    assert "Not applied: the list below ignores this and applies every other filter." in html
    assert "Location: Select a valid choice. Mars is not one of the available choices." in html
    assert "3 people for “python”" in html  # John, Ada and Ben (his bio): the search applied
    assert "Maria Garcia" not in html

    html = client.get(reverse("directory:index"), {"q": "x" * 101, "location": "Berlin"})
    html = html.content.decode()
    assert "Search: At most 100 characters: try a word or two." in html
    assert "1 person</span>" in html and "Ada Kowalski" in html and " for “" not in html
