from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importing import import_employees_csv


class Command(BaseCommand):
    help = "Import or update the employee list from a UTF-8 CSV file (upsert by email)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        result = import_employees_csv(data)
        if not result.ok:
            for line, message in result.errors:
                self.stderr.write(f"{file}:{line}: {message}")
            raise CommandError(
                f"{len(result.errors)} problem(s) found; nothing was imported. "
                "Fix the rows above and run the import again."
            )
        self.stdout.write(f"Imported {file}: {result.summary}")
