"""The people of every test: a protégé, a mentor, a peer, an outsider, a programme admin."""

import pytest

from engagements.models import Program
from tests.factories import EmployeeFactory, make_login


@pytest.fixture
def program(db):
    return Program.default()


@pytest.fixture
def protege(db):
    employee = EmployeeFactory(
        full_name="Priya Patel",
        title="Marketing Manager",
        level=2,
        skills=["Copywriting"],
        interests=["Negotiation"],
    )
    make_login(employee)
    return employee


@pytest.fixture
def mentor(db):
    employee = EmployeeFactory(
        full_name="Daniel Okafor",
        title="Senior Account Executive",
        level=4,
        skills=["Negotiation", "Enterprise sales"],
        mentoring_capacity=2,
    )
    make_login(employee)
    return employee


@pytest.fixture
def peer(db):
    employee = EmployeeFactory(full_name="Tom Becker", level=2, interests=["Negotiation"])
    make_login(employee)
    return employee


@pytest.fixture
def outsider(db):
    employee = EmployeeFactory(full_name="Olga Outsider", level=3)
    make_login(employee)
    return employee


@pytest.fixture
def admin(db, program):
    employee = EmployeeFactory(full_name="Helen Park", title="Head of People", level=7)
    make_login(employee)
    program.admins.add(employee)
    return employee


@pytest.fixture
def as_user(client):
    """Sign the test client in as a person: `as_user(protege)`."""

    def sign_in(employee):
        client.force_login(employee.user)
        return client

    return sign_in
