from django.core.management.base import BaseCommand

from engagements import sweep


class Command(BaseCommand):
    help = (
        "Run one sweep now: close leavers' proposals, expire, complete, remind, deliver. "
        "Safe to run at any time, also beside the scheduled one."
    )

    def handle(self, *args, **options):
        counts = sweep.run()
        for step, n in counts.items():
            self.stdout.write(f"{step:>10}: {n}")
