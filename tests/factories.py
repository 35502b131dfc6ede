import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from directory.models import Department, Employee, Skill
from directory.search import refresh_search_vectors
from engagements import proposals, transitions
from engagements.models import Engagement, Program

PASSWORD = "correct horse battery"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Skill {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee
        skip_postgeneration_save = True

    full_name = factory.Sequence(lambda n: f"Person Number{n}")
    email = factory.LazyAttribute(lambda o: o.full_name.lower().replace(" ", ".") + "@example.com")
    title = "Engineer"
    department = factory.SubFactory(DepartmentFactory, name="Engineering")
    location = "London"
    level = 3

    @factory.post_generation
    def skills(self, create, names, **kwargs):
        if create and names:
            self.skills.set([SkillFactory(name=name) for name in names])

    @factory.post_generation
    def interests(self, create, names, **kwargs):
        if create and names:
            self.interests.set([SkillFactory(name=name) for name in names])

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        if create:
            refresh_search_vectors([self.pk])


def make_login(employee: Employee, password: str = PASSWORD):
    """A verified login for this employee, linked as on first sign-in."""
    user = get_user_model().objects.create_user(
        username=employee.email, email=employee.email, password=password
    )
    EmailAddress.objects.create(user=user, email=employee.email, verified=True, primary=True)
    employee.user = user
    employee.save(update_fields=["user"])
    return user


def programme_today() -> dt.date:
    """The date every rule uses: the programme's, in its zone (never the test's UTC)."""
    return Program.default().today()


def engagement_between(
    protege: Employee,
    mentor: Employee,
    *,
    state: str = "active",
    goals: int = 1,
    peers=(),
    activities=((2, 60), (1, 120)),
    start=None,
    days: int = 14,
    title: str = "Negotiating agency contracts",
):
    """An engagement made the way people make them: drafted, proposed, decided. It
    starts on the programme's date unless told otherwise."""
    start = start or Program.default().today()
    data = proposals.ProposalData(
        title=title,
        mentor=mentor,
        role=Engagement.Role.SHADOWING,
        role_detail="Prepare the pricing and take notes on the call.",
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        goals=[proposals.GoalData(f"Goal {n + 1}", f"Measure {n + 1}") for n in range(goals)],
        activities=[
            proposals.ActivityData("discussion", count, minutes) for count, minutes in activities
        ],
        peers=list(peers),
    )
    engagement = proposals.save_draft(data, protege=protege)
    if state == "draft":
        return engagement
    proposals.propose(engagement, by=protege)
    if state in ("active", "completed", "cancelled"):
        transitions.accept(engagement, by=mentor)
        for peer in peers:
            transitions.answer_invitation(engagement, by=peer, join=True)
    if state == "completed":
        transitions.complete(engagement)
    if state == "cancelled":
        transitions.cancel(engagement, by=protege, reason="Change of priorities")
    if state == "declined":
        transitions.decline(engagement, by=mentor, reason="not_now")
    if state == "withdrawn":
        transitions.withdraw(engagement, by=protege)
    if state == "expired":
        transitions.expire(engagement)
    engagement.refresh_from_db()
    assert engagement.state == state, (engagement.state, state)
    return engagement
