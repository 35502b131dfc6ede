from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def availability(context, person) -> tuple[bool, str]:
    """`{% availability person as status %}`: (available, in words), as of the
    programme's date (`programme_today`, from the site context processor)."""
    today = context["programme_today"]
    return person.availability(today() if callable(today) else today)
