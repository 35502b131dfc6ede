"""The participation report on the embedded default (SQLite, `make run`) counts what it
counts on PostgreSQL: the same seeded history, read by both, gives the same figures.

The report has a PostgreSQL path (one GROUPING SETS pass, interpolated percentiles) and
a path SQLite can run (a query per table, nearest-rank percentiles); the rest is the
same SQL on both. SQLite runs in a subprocess with its own VAR_DIR and no DATABASE_URL,
exactly as `make run` does, at the same frozen instant as the PostgreSQL side."""

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tests.embedded import manage_embedded

pytestmark = pytest.mark.django_db

# A Wednesday morning in the programme's zone: the same history whenever the suite runs.
NOW = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)
EMPLOYEES, ENGAGEMENTS = 80, 400
ADMIN = "helen.park@example.com"  # the demo programme admin
PERIODS = ("30d", "12m")


def read_report(client: Client) -> dict:
    """What the report page shows for each preset, as plain data (both databases). The
    time-to-answer percentiles are left out: interpolated on PostgreSQL, nearest rank on
    SQLite, by design."""
    shown = {}
    for period in PERIODS:
        response = client.get("/reports/", {"period": period})
        assert response.status_code == 200, response.status_code
        page = response.context
        funnel = page["funnel"]
        shown[period] = {
            "headline": {f["key"]: f["now"] for f in page["headline"]},
            "roles": [(r["label"], r["n"]) for r in page["participation"]["roles"]],
            "departments": [
                (r["name"], r["proposed"], r["started"], r["proteges"])
                for r in page["participation"]["departments"]
            ],
            "months": [
                (r["month"].isoformat(), r["proposed"], r["started"])
                for r in page["participation"]["months"]
            ],
            "funnel": [(s["label"], s["n"]) for s in funnel["stages"]],
            "reasons": [(r["label"], r["n"]) for r in funnel["reasons"]],
            "method": [(r["label"], r["n"], r["of"]) for r in page["method"]["rows"]],
            "outcomes": [(r["label"], r["n"]) for r in page["outcomes"]["rows"]],
            "reach": [(r["mentors"], r["proteges"]) for r in page["reach"]["rows"]],
        }
    # As the subprocess sends them: tuples as lists; PostgreSQL's sums (Decimal) as numbers.
    return json.loads(json.dumps(shown, default=float))


SQLITE_SCRIPT = f"""
import datetime as dt, json, os
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from tests.test_reports_embedded import ADMIN, read_report

setup_test_environment()  # so that responses carry their context, as in the suite
with time_machine.travel(dt.datetime.fromisoformat("{NOW.isoformat()}"), tick=False):
    call_command("seed_demo", employees={EMPLOYEES}, engagements={ENGAGEMENTS}, verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(email=ADMIN))
    shown = read_report(client)
with open(os.path.join(os.environ["VAR_DIR"], "report.json"), "w") as f:
    json.dump(shown, f, default=float)
"""


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict:
    """The report as `make run`'s database shows it."""
    var_dir = tmp_path_factory.mktemp("embedded-report")
    manage_embedded(var_dir, ["migrate", "--no-input", "-v", "0"], ["shell", "-c", SQLITE_SCRIPT])
    return json.loads((var_dir / "report.json").read_text())


def test_the_embedded_default_reports_what_postgresql_reports(embedded, client):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", employees=EMPLOYEES, engagements=ENGAGEMENTS, stdout=StringIO())
        client.force_login(get_user_model().objects.get(email=ADMIN))
        postgresql = read_report(client)
    for period in PERIODS:
        for section, figures in postgresql[period].items():
            assert embedded[period][section] == figures, (period, section)
    # A history worth comparing: every part of the page has something in it.
    year = postgresql["12m"]
    assert year["headline"]["started"] > 50 and year["reasons"] and year["outcomes"]
    assert sum(proposed for _, proposed, _ in year["months"]) > 100
