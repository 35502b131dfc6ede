import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from directory.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Run the app and a Celery worker with beat on the embedded broker (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mentorship",
                "worker",
                "--beat",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
            ],
            cwd=settings.BASE_DIR,
        )
        self.stdout.write(self.style.SUCCESS(f"\n  Micro-mentoring is at http://{addrport}/\n"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login['role']:<16} {login['email']}  /  {DEMO_PASSWORD}")
        self.stdout.write(f"  Emails are written to {settings.VAR_DIR / 'mail'}\n")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=20)
