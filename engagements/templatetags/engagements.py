from django import template
from django.templatetags.tz import do_timezone
from django.utils.timesince import timesince

from engagements.meetings import format_minutes

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    return format_minutes(int(minutes or 0))


@register.filter
def ago(moment) -> str:
    """How long ago, in its largest unit only: "2 months ago", "3 days ago", "just now".
    Django's |timesince says two units ("1 month, 4 weeks") where a glance needs one."""
    if not moment:
        return ""
    elapsed = timesince(moment, depth=1)
    return "just now" if elapsed.startswith("0\xa0") else f"{elapsed} ago"


@register.filter
def answer_by(engagement):
    """When a proposal expires unanswered, on its programme's clock (the inbox card, the
    engagement, decline and email pages, the reminder): `{{ e|answer_by|date:"…" }}`."""
    return do_timezone(engagement.expires_at, engagement.program.time_zone)  # |timezone
