"""The demo company (`manage.py seed_demo`, `make run`). Only the demo logins live here,
so the sign-in page can show them in the embedded default without importing the seeder."""

DEMO_PASSWORD = "mentoring-demo"
DEMO_LOGINS = [
    {"role": "Protégé", "email": "priya.patel@example.com", "password": DEMO_PASSWORD},
    {"role": "Mentor", "email": "daniel.okafor@example.com", "password": DEMO_PASSWORD},
    {"role": "Programme admin", "email": "helen.park@example.com", "password": DEMO_PASSWORD},
]
