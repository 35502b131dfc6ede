from django import template

from engagements.meetings import format_minutes

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    return format_minutes(int(minutes or 0))
