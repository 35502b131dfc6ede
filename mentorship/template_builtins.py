"""Two of Django's template builtins, made without repeating work per row: {% url %},
its links built by directory.links.fast_reverse (~45 µs a reverse(), dozens a page), and
|date for dates (not times), each day's text made once per format and language (~25 µs
each, two a row). The same output as Django's; installed for every template as builtins
(settings.TEMPLATES), so templates write {% url %} and |date as usual."""

import datetime
import functools

from django import template
from django.template.defaultfilters import date as django_date
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from directory.links import fast_reverse

register = template.Library()


class FastURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:  # as Django's tag does
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = fast_reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return FastURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@functools.lru_cache(maxsize=4096)
def _day(value: datetime.date, arg: str | None, language: str | None) -> str:
    return django_date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's |date; a date (never a datetime, whose text depends on the time zone)
    is formatted once per format and language."""
    if type(value) is datetime.date:
        return _day(value, arg, get_language())
    return django_date(value, arg)
