import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mentorship.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Run the app and a Celery worker with beat on the embedded broker (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options):
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                raise CommandError(
                    f"Port {port} on {host} is already in use. Stop the other server, "
                    f"or choose another port: make run PORT={port + 1}"
                )
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        celery = [sys.executable, "-m", "celery", "-A", "mentorship", "--quiet"]
        # Links in emails point where this server listens (any PORT=), unless set.
        env = {**os.environ, "SITE_URL": os.environ.get("SITE_URL") or f"http://{host}:{port}"}
        processes = [
            subprocess.Popen(
                [*celery, "worker", "--beat", "--pool", "solo", "--loglevel", "WARNING"], env=env
            ),
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"], env=env),
        ]
        try:
            self.wait_for_port(host, port)
            self.stdout.write(
                self.style.SUCCESS(f"\n  Micro-mentoring is running at http://{host}:{port}/")
            )
            self.stdout.write(f"  Demo logins (password: {DEMO_PASSWORD})")
            for login in DEMO_LOGINS:
                self.stdout.write(f"    {login['role']:<16} {login['email']}")
            self.stdout.write(f"  Emails are written to {settings.VAR_DIR / 'mail'}/")
            self.stdout.write("  Press Ctrl-C to stop.\n")
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=20)

    def wait_for_port(self, host: str, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((host, port)) == 0:
                    return
            time.sleep(0.2)
