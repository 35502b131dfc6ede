"""Links built without a reverse() per link (directory.links, the {% url %} builtin):
the same URLs as reverse() for every pattern of the project, under any script prefix."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.base import get_script_prefix, set_script_prefix
from django.urls.converters import IntConverter

from directory.links import fast_reverse


def named_patterns(resolver=None, namespace=""):
    """(full name, converters) of every named pattern, through every include."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern.converters


def without_arguments():
    return sorted({name for name, converters in named_patterns() if not converters})


def with_one_number():
    return sorted(
        {
            name
            for name, converters in named_patterns()
            if len(converters) == 1 and isinstance(*converters.values(), IntConverter)
        }
    )


@pytest.fixture(params=["/", "/mentoring/"])
def script_prefix(request):
    """The app at the root, and mounted under a path (SCRIPT_NAME)."""
    before = get_script_prefix()
    set_script_prefix(request.param)
    yield request.param
    set_script_prefix(before)


def test_the_project_has_links_of_both_kinds():
    assert "engagements:detail" in with_one_number()
    assert "directory:employee" in with_one_number()
    assert "engagements:home" in without_arguments()
    assert len(with_one_number()) >= 10


def test_a_link_without_arguments_is_what_reverse_makes(script_prefix):
    for name in without_arguments():
        try:
            expected = reverse(name)
        except NoReverseMatch:
            continue  # a pattern that only resolves (no reverse) is not a link
        assert fast_reverse(name) == expected, name
        assert fast_reverse(name).startswith(script_prefix)


@pytest.mark.parametrize("pk", [0, 7, 42, 987654321, 10**15])
def test_a_link_with_a_number_is_what_reverse_makes(script_prefix, pk):
    for name in with_one_number():
        assert fast_reverse(name, args=[pk]) == reverse(name, args=[pk]), name


def test_anything_else_goes_through_reverse_and_fails_as_it_does():
    with pytest.raises(NoReverseMatch):
        fast_reverse("engagements:detail", args=[-1])  # not a number the pattern takes
    with pytest.raises(NoReverseMatch):
        fast_reverse("engagements:detail", args=["12a"])
    with pytest.raises(NoReverseMatch):
        fast_reverse("no-such-page")
    assert fast_reverse("engagements:detail", kwargs={"pk": 5}) == "/engagements/5/"
    assert fast_reverse("engagements:detail", args=["5"]) == "/engagements/5/"


def test_the_url_tag_is_djangos_with_remembered_links():
    template = Template(
        "{% url 'engagements:detail' pk %}|{% url 'directory:index' %}|"
        "{% url 'engagements:detail' pk as link %}[{{ link }}]|"
        "{% url 'no-such-page' as missing %}[{{ missing }}]"
    )
    assert (
        template.render(Context({"pk": 42})) == "/engagements/42/|/directory/|[/engagements/42/]|[]"
    )
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-page' %}").render(Context())


@pytest.mark.parametrize("fmt", ["j M", "j M Y", "D j F Y", None])
def test_the_date_filter_is_djangos_for_dates_and_times(fmt):
    from django.template.defaultfilters import date as django_date
    from django.utils import timezone

    day = dt.date(2026, 11, 26)
    moment = timezone.make_aware(dt.datetime(2026, 11, 26, 23, 30), dt.UTC)
    template = Template("{{ day|date:fmt }}|{{ moment|date:fmt }}" if fmt else "{{ day|date }}")
    expected = f"{django_date(day, fmt)}|{django_date(timezone.localtime(moment), fmt)}"
    for _ in range(2):  # the second time from what the first remembered
        assert template.render(Context({"day": day, "moment": moment, "fmt": fmt})) == (
            expected if fmt else django_date(day)
        )
