"""How a person wants their reminder emails: each one, a daily digest, or none."""

from __future__ import annotations

from django.db import models

from directory.models import Employee


class NotificationPreference(models.Model):
    """Only reminders follow it: decisions and requests to act are always emailed. No row
    means the default, every reminder as it comes."""

    class Reminders(models.TextChoices):
        EACH = "each", "Email each reminder"
        DIGEST = "digest", "One daily digest"
        OFF = "off", "No reminder emails (they still show in the app)"

    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reminders = models.CharField(max_length=10, choices=Reminders.choices, default=Reminders.EACH)
    # The date of the last digest: claimed with a conditional UPDATE, one a day.
    digest_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.employee}: {self.get_reminders_display()}"

    @classmethod
    def reminders_for(cls, employee_id: int) -> str:
        found = cls.objects.filter(employee_id=employee_id).values_list("reminders", flat=True)
        return found.first() or cls.Reminders.EACH

    @classmethod
    def choose(cls, employee_id: int, reminders: str) -> None:
        cls.objects.update_or_create(employee_id=employee_id, defaults={"reminders": reminders})
