import time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from directory.models import Department, Employee, Skill
from directory.search import analyze, refresh_search_vectors
from engagements.models import Program
from mentorship.demo import DEMO_LOGINS, DEMO_PASSWORD
from mentorship.demo.company import fixed_people, generated_people, with_engineering_head
from mentorship.demo.engagements import seed_engagements
from mentorship.demo.history import seed_history

BATCH = 2000


class Command(BaseCommand):
    help = "Seed a deterministic demo company with demo logins. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=300, help="Company size.")
        parser.add_argument(
            "--engagements",
            type=int,
            default=0,
            help="Top the generated programme history up to this many engagements.",
        )

    def handle(self, *args, employees: int, engagements: int, **options):
        started = time.monotonic()
        created = seed(employees)
        self.stdout.write(
            f"Demo company: {Employee.objects.count()} employees "
            f"({created} new, {time.monotonic() - started:.1f} s)."
        )
        if engagements > 0:
            started = time.monotonic()
            added = seed_history(engagements)
            self.stdout.write(
                f"Programme history: {added} engagements added "
                f"({time.monotonic() - started:.1f} s)."
            )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login['role']:<16} {login['email']}")


@transaction.atomic
def seed(size: int) -> int:
    fixed = fixed_people()
    taken = {p.email for p in fixed}
    people = with_engineering_head(fixed + generated_people(max(size - len(fixed), 0), taken))
    existing = set(Employee.objects.values_list("email", flat=True))
    new = [p for p in people if p.email not in existing]

    departments = {d.name: d for d in Department.objects.all()}
    for name in {p.department for p in new} - departments.keys():
        departments[name] = Department.objects.create(name=name, slug=slugify(name))
    skills = {s.name: s for s in Skill.objects.all()}
    for name in {s for p in new for s in p.skills + p.interests} - skills.keys():
        skills[name] = Skill.objects.create(name=name, slug=slugify(name))

    rows = Employee.objects.bulk_create(
        [
            Employee(
                email=p.email,
                full_name=p.full_name,
                title=p.title,
                department=departments[p.department],
                location=p.location,
                time_zone=p.time_zone,
                level=p.level,
                bio=p.bio,
                open_to_mentoring=p.open_to_mentoring,
                mentoring_capacity=p.capacity,
            )
            for p in new
        ],
        batch_size=BATCH,
    )
    ids = dict(Employee.objects.values_list("email", "pk"))
    for row, person in zip(rows, new, strict=True):
        row.pk = ids[person.email]
        row.manager_id = ids.get(person.manager_email)
    Employee.objects.bulk_update(rows, ["manager"], batch_size=BATCH)
    for attr in ("skills", "interests"):
        through = getattr(Employee, attr).through
        through.objects.bulk_create(
            [
                through(employee_id=ids[p.email], skill_id=skills[name].pk)
                for p in new
                for name in getattr(p, attr)
            ],
            batch_size=BATCH * 5,
        )
    if rows:
        refresh_search_vectors([row.pk for row in rows])
        analyze()

    program = Program.default()
    for person in fixed:
        if person.is_admin:
            program.admins.add(ids[person.email])
    for login in DEMO_LOGINS:
        ensure_login(login["email"], DEMO_PASSWORD, ids[login["email"]])
    seed_engagements(timezone.now())
    return len(rows)


def ensure_login(email: str, password: str, employee_id: int) -> None:
    """A verified login linked to the demo employee (created once, never reset)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
    if created:
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Employee.objects.filter(pk=employee_id, user__isnull=True).update(user=user)
