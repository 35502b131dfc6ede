"""Django's form renderer, with its hottest widget templates written in Python.

Django renders every widget, every radio option and every (usually empty) error list
through a template of its own: the mentor inbox's fifteen decline forms made about 120
template renders a request, a quarter of the page's time (issue 11). The templates
below are Django's own (django/forms/templates/django/forms/), produced here with the
same escaping, localisation and whitespace; tests/test_form_renderer.py compares the
two renderers on every widget the app uses. Any other template, or one an app
overrides, is rendered by Django as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.functional import cached_property

BUILTIN = Path(django.forms.__file__).parent / "templates"
# A context like the one a widget template renders in: autoescape on, the active
# locale and time zone (render_value_in_context reads only these flags).
_CONTEXT = Context()


def _text(value) -> str:
    """`{{ value }}` in a template."""
    return render_value_in_context(value, _CONTEXT)


def _s(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template."""
    return render_value_in_context(stringformat(value, "s"), _CONTEXT)


def _attrs(attrs: dict) -> str:
    # attrs.html: {% for name, value in widget.attrs.items %}{% if value is not False %}
    # {{ name }}{% if value is not True %}="{{ value|stringformat:'s' }}"{% endif %}...
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _text(name))
        if value is not True:
            out.append('="' + _s(value) + '"')
    return "".join(out)


class FastTemplates(DjangoTemplates):
    def render(self, template_name, context, request=None):
        fast = self.fast.get(template_name)
        if fast is None or request is not None:
            return super().render(template_name, context, request=request)
        return fast(context).strip()

    @cached_property
    def fast(self) -> dict[str, Callable[[dict], str]]:
        """The Python versions, for the templates that still resolve to Django's own."""
        input_ = self._input
        option = self._input_option
        candidates = {
            **{
                f"django/forms/widgets/{kind}.html": input_
                for kind in ("input", "text", "email", "url", "number", "password", "hidden")
                + ("date", "datetime", "time", "search", "tel", "checkbox", "color")
            },
            "django/forms/widgets/textarea.html": self._textarea,
            "django/forms/widgets/input_option.html": option,
            # These two include input_option.html and add their own closing newline.
            "django/forms/widgets/radio_option.html": self._option_line,
            "django/forms/widgets/checkbox_option.html": self._option_line,
            "django/forms/widgets/radio.html": self._multiple_input,
            "django/forms/widgets/checkbox_select.html": self._multiple_input,
            "django/forms/widgets/multiple_input.html": self._multiple_input,
            "django/forms/widgets/select.html": self._select,
            "django/forms/widgets/select_option.html": self._select_option,
            "django/forms/errors/list/default.html": self._error_list,
            "django/forms/errors/list/ul.html": self._error_list,
        }
        return {
            name: function
            for name, function in candidates.items()
            if self._is_builtin(name) and self._is_builtin("django/forms/widgets/attrs.html")
        }

    def _is_builtin(self, template_name: str) -> bool:
        origin = Path(self.get_template(template_name).origin.name)
        return origin.is_relative_to(BUILTIN)

    def _include(self, template_name: str, context: dict) -> str:
        """`{% include %}`: unstripped, as an included template's text is."""
        fast = self.fast.get(template_name)
        if fast is not None:
            return fast(context)
        return self.get_template(template_name).render(context)

    @staticmethod
    def _input(context: dict) -> str:
        widget = context["widget"]
        value = widget["value"]
        shown = f' value="{_s(value)}"' if value is not None else ""
        return (
            f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
            f"{shown}{_attrs(widget['attrs'])}>\n"
        )

    @staticmethod
    def _textarea(context: dict) -> str:
        widget = context["widget"]
        value = _text(widget["value"]) if widget["value"] else ""
        opening = f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>'
        return f"{opening}\n{value}</textarea>\n"

    def _input_option(self, context: dict) -> str:
        widget = context["widget"]
        if not widget.get("wrap_label"):
            return self._input(context)
        label_for = widget["attrs"].get("id")
        opening = f'<label for="{_text(label_for)}">' if label_for else "<label>"
        return f"{opening}{self._input(context)} {_text(widget['label'])}</label>\n"

    def _option_line(self, context: dict) -> str:
        return self._input_option(context) + "\n"

    def _multiple_input(self, context: dict) -> str:
        widget = context["widget"]
        attrs = widget["attrs"]
        out = ["<div"]
        if attrs.get("id"):
            out.append(f' id="{_text(attrs["id"])}"')
        if attrs.get("class"):
            out.append(f' class="{_text(attrs["class"])}"')
        out.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                out.append(f"\n  <div><label>{_text(group)}</label>")
            for option in options:
                out.append("<div>\n    ")
                out.append(self._include(option["template_name"], {"widget": option}))
                out.append("</div>")
            if group:
                out.append("\n  </div>")
        out.append("\n</div>\n")
        return "".join(out)

    def _select(self, context: dict) -> str:
        widget = context["widget"]
        out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                out.append("\n  ")
                out.append(self._include(option["template_name"], {"widget": option}))
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>\n")
        return "".join(out)

    @staticmethod
    def _select_option(context: dict) -> str:
        widget = context["widget"]
        return (
            f'<option value="{_s(widget["value"])}"{_attrs(widget["attrs"])}>'
            f"{_text(widget['label'])}</option>\n"
        )

    def _error_list(self, context: dict) -> str:
        # Nearly every field's error list is empty: that is the case worth the shortcut.
        if context.get("errors"):
            return self.get_template("django/forms/errors/list/ul.html").render(context)
        return ""
