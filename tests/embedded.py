"""The embedded default (`make run`: SQLite in VAR_DIR, no DATABASE_URL or REDIS_URL),
driven from a test through manage.py in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def manage_embedded(var_dir: Path, *commands: list[str]) -> None:
    """Run these manage.py commands, in order, against a `make run` database in
    `var_dir`; fail the test with their output if one fails."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    env.update(VAR_DIR=str(var_dir), ALLOWED_HOSTS="testserver")
    for command in commands:
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert (var_dir / "db.sqlite3").exists()
