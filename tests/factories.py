import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from directory.models import Department, Employee, Skill
from directory.search import refresh_search_vectors

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
