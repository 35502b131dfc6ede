"""The project's own bookkeeping (the apps hold the domain)."""

from django.db import models


class SeededHistory(models.Model):
    """How many engagements `seed_demo --engagements` generated, so running it again
    tops the history up instead of repeating it (one row)."""

    engagements = models.PositiveIntegerField(default=0)
    seeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "seeded history"

    def __str__(self) -> str:
        return f"{self.engagements} generated engagements"
