from django import template
from django.utils.html import format_html

from directory.adapters import MAIL_NOT_SENT

register = template.Library()


@register.simple_tag(takes_context=True)
def availability(context, person) -> tuple[bool, str]:
    """`{% availability person as status %}`: (available, in words), as of the
    programme's date (`programme_today`, from the site context processor)."""
    today = context["programme_today"]
    return person.availability(today() if callable(today) else today)


@register.simple_tag(takes_context=True)
def account_mail_not_sent(context) -> bool:
    """`{% account_mail_not_sent as failed %}`: whether the account email this page
    announces could not be sent (directory.adapters), told once."""
    request = context.get("request")
    if request is None:
        return False
    if not hasattr(request, "mail_not_sent_told"):  # the title and the body both ask
        request.mail_not_sent_told = request.session.pop(MAIL_NOT_SENT, False)
    return request.mail_not_sent_told


@register.filter
def person_link(person) -> str:
    """A person's name linking to their profile; someone who left the directory has no
    profile to open (it is a 404), so their name is plain, and says so."""
    if person.is_active:
        return format_html('<a href="{}">{}</a>', person.get_absolute_url(), person.full_name)
    return person_name(person)


@register.filter
def person_name(person) -> str:
    """A person's name in a list; someone who left the directory says so (`is_active`
    must be among the columns the list read: engagements.paging.names_only)."""
    if person.is_active:
        return person.full_name
    return format_html('{} <span class="muted">(left the company)</span>', person.full_name)
