"""The demo company's people: believable and deterministic.

Row i depends only on rows before it (one seeded random generator), so seeding N and
then M > N employees adds exactly the M - N later rows, and seeding twice adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mentorship.demo.words import (
    BIO_OPENERS,
    COMMON_SKILLS,
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    LEVEL_PREFIX,
    LOCATIONS,
    ROLES,
)


@dataclass
class Person:
    email: str
    full_name: str
    title: str
    department: str
    location: str
    level: int
    manager_email: str
    skills: list[str]
    interests: list[str]
    bio: str
    open_to_mentoring: bool = True
    capacity: int = 2
    is_admin: bool = False

    @property
    def time_zone(self) -> str:
        return LOCATIONS[self.location]


def fixed_people() -> list[Person]:
    """The named people of the demo: the three demo logins and the people around them."""
    return [
        Person(
            "sofia.rossi@example.com",
            "Sofia Rossi",
            "Chief Executive Officer",
            "Operations",
            "London",
            9,
            "",
            ["Leadership", "Negotiation", "Public speaking"],
            [],
            "Founder. I mentor on leadership and on negotiating the deals that matter.",
            capacity=1,
        ),
        Person(
            "helen.park@example.com",
            "Helen Park",
            "Head of People",
            "People",
            "London",
            7,
            "sofia.rossi@example.com",
            ["Coaching", "Facilitation", "Hiring"],
            ["Data analysis"],
            "I run our mentoring programme. Coaching is my craft.",
            is_admin=True,
        ),
        Person(
            "marcus.lee@example.com",
            "Marcus Lee",
            "Marketing Director",
            "Marketing",
            "London",
            6,
            "sofia.rossi@example.com",
            ["Brand strategy", "Product marketing", "Leadership"],
            ["Negotiation"],
            "Marketing lead for EMEA. I like helping people find their story.",
        ),
        Person(
            "priya.patel@example.com",
            "Priya Patel",
            "Marketing Manager",
            "Marketing",
            "London",
            2,
            "marcus.lee@example.com",
            ["Content strategy", "Copywriting"],
            ["Negotiation", "Public speaking", "Data analysis"],
            "Content marketer working on our customer stories. Keen to get better at "
            "negotiating with agencies and at speaking on stage.",
        ),
        Person(
            "tom.becker@example.com",
            "Tom Becker",
            "Marketing Manager",
            "Marketing",
            "Berlin",
            2,
            "marcus.lee@example.com",
            ["SEO", "Analytics"],
            ["Negotiation", "Data analysis"],
            "SEO and analytics for the German market.",
        ),
        Person(
            "rosa.mendes@example.com",
            "Rosa Mendes",
            "Senior Marketing Manager",
            "Marketing",
            "Lisbon",
            3,
            "marcus.lee@example.com",
            ["Events", "Copywriting"],
            ["Negotiation", "Leadership"],
            "I run our events and love a good negotiation.",
        ),
        Person(
            "claire.dubois@example.com",
            "Claire Dubois",
            "Sales Director",
            "Sales",
            "London",
            6,
            "sofia.rossi@example.com",
            ["Negotiation", "Enterprise sales", "Leadership"],
            ["Coaching"],
            "Twenty years of enterprise deals. Negotiation is a learnable skill.",
        ),
        Person(
            "daniel.okafor@example.com",
            "Daniel Okafor",
            "Senior Account Executive",
            "Sales",
            "London",
            4,
            "claire.dubois@example.com",
            ["Negotiation", "Enterprise sales", "Account management", "Presentation skills"],
            ["Leadership"],
            "I close our largest renewals. Happy to show you how a "
            "negotiation is prepared, and to let you shadow a customer call.",
            capacity=3,
        ),
        Person(
            "nadia.khan@example.com",
            "Nadia Khan",
            "Account Executive",
            "Sales",
            "Toronto",
            3,
            "claire.dubois@example.com",
            ["Negotiation", "Prospecting", "Salesforce"],
            ["Enterprise sales"],
            "Mid-market sales in North America; negotiation nerd.",
        ),
        Person(
            "kenji.tanaka@example.com",
            "Kenji Tanaka",
            "Procurement Lead",
            "Operations",
            "Singapore",
            5,
            "sofia.rossi@example.com",
            ["Negotiation", "Vendor management", "Procurement"],
            ["Public speaking"],
            "I negotiate with our vendors: contracts, renewals and the hard conversations.",
        ),
        Person(
            "john.smith@example.com",
            "John Smith",
            "Staff Software Engineer",
            "Engineering",
            "London",
            5,
            "sofia.rossi@example.com",
            ["Python", "Django", "PostgreSQL", "System design"],
            ["Negotiation"],
            "Backend engineer. I mentor on Python, Django and designing systems that last.",
        ),
    ]


# Departments the fixed people already lead: their first generated member is not a
# second head but a principal reporting to the one there is.
FIXED_HEADS = {
    "People": "helen.park@example.com",
    "Marketing": "marcus.lee@example.com",
    "Sales": "claire.dubois@example.com",
}


def generated_people(count: int, taken: set[str], seed: int = 2026) -> list[Person]:
    """`count` more people in a believable org chart, deterministic for a given seed."""
    rng = random.Random(seed)
    people: list[Person] = []
    by_department: dict[str, list[Person]] = {d: [] for d in DEPARTMENTS}
    departments = list(DEPARTMENT_WEIGHTS)
    weights = list(DEPARTMENT_WEIGHTS.values())
    for i in range(count):
        department = rng.choices(departments, weights)[0]
        colleagues = by_department[department]
        # The first person of a department heads it; the rest report to someone more senior.
        level = 7 if not colleagues else rng.choices([1, 2, 3, 4, 5, 6], [14, 26, 24, 18, 11, 7])[0]
        # Prefer a name nobody has yet; a big company still ends up with a few twins.
        for _attempt in range(6):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if f"{first}.{last}@example.com".lower() not in taken:
                break
        email = f"{first}.{last}@example.com".lower()
        n = 2
        while email in taken:
            email, n = f"{first}.{last}{n}@example.com".lower(), n + 1
        taken.add(email)
        if colleagues:
            seniors = [p for p in colleagues[-400:] if level < p.level <= level + 3]
            manager = rng.choice(seniors).email if seniors else colleagues[0].email
        else:
            manager = FIXED_HEADS.get(department, "sofia.rossi@example.com")
        pool = DEPARTMENTS[department]
        skills = rng.sample(pool, k=min(len(pool), rng.randint(2, 4)))
        if rng.random() < 0.35:
            skills.append(rng.choice(COMMON_SKILLS))
        skills = list(dict.fromkeys(skills))
        others = [
            s
            for s in set(COMMON_SKILLS + pool + rng.choice(list(DEPARTMENTS.values())))
            if s not in skills
        ]
        interests = rng.sample(sorted(others), k=min(len(others), rng.randint(1, 3)))
        role = ROLES[department]
        if level == 7 and department in FIXED_HEADS:
            title = f"Principal {role}"
        elif level == 7:
            title = "Head of " + department
        else:
            title = " ".join(part for part in (LEVEL_PREFIX[level], role) if part)
        location = rng.choice(list(LOCATIONS))
        bio = rng.choice(BIO_OPENERS).format(a=skills[0], b=skills[-1], c=interests[0])
        person = Person(
            email,
            f"{first} {last}",
            title,
            department,
            location,
            level,
            manager,
            skills,
            interests,
            bio,
            open_to_mentoring=rng.random() < 0.7,
            capacity=rng.choice([1, 2, 2, 3]),
        )
        people.append(person)
        colleagues.append(person)
        if i % 1000 == 999:
            # Keep the candidate window bounded so generation stays linear.
            for members in by_department.values():
                del members[1:-400]
    return people


def with_engineering_head(people: list[Person]) -> list[Person]:
    """John Smith, a staff engineer, reports to the head of Engineering (once there is
    one), not to the CEO beside the department heads."""
    head = next((p for p in people if p.title == "Head of Engineering"), None)
    for person in people:
        if head and person.email == "john.smith@example.com":
            person.manager_email = head.email
    return people
