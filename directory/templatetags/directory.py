from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def availability(person) -> tuple[bool, str]:
    """`{% availability person as status %}`: (available, in words), as of today."""
    return person.availability(timezone.localdate())
