"""engagements' models, split by resource; import them from here."""

from engagements.models.audit import Event, Notification, NotificationQuerySet, ProgramEvent
from engagements.models.engagement import (
    Activity,
    Engagement,
    EngagementQuerySet,
    Goal,
    Meeting,
    Participant,
    TransitionError,
    WrapUp,
    WrapUpQuerySet,
)
from engagements.models.preferences import NotificationPreference
from engagements.models.programme import Program, ProgramQuerySet

__all__ = [
    "Activity",
    "Engagement",
    "EngagementQuerySet",
    "Event",
    "Goal",
    "Meeting",
    "Notification",
    "NotificationPreference",
    "NotificationQuerySet",
    "Participant",
    "Program",
    "ProgramEvent",
    "ProgramQuerySet",
    "TransitionError",
    "WrapUp",
    "WrapUpQuerySet",
]
