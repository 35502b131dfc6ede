"""The fast form renderer writes exactly what Django's widget templates write."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from directory.forms import DirectorySearchForm, ProfileForm
from engagements.forms import AdviceForm, DeclineForm, MeetingForm, ProgrammeFilterForm
from engagements.models import Program
from mentorship.form_renderer import FastTemplates
from tests.factories import DepartmentFactory, SkillFactory, programme_today

CHOICES = [("a", "Alpha & co"), ("b", mark_safe("<b>Bravo</b>")), (3, 4.5)]
GROUPED = [("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Zed")]


class EveryWidget(forms.Form):
    text = forms.CharField(max_length=20, initial='say "hi" <there>', help_text="help")
    blank = forms.CharField(required=False)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"list": "people", "autofocus": True}))
    number = forms.DecimalField(initial=1.5, min_value=0)
    integer = forms.IntegerField(initial=1234567)
    day = forms.DateField(
        initial=dt.date(2026, 11, 26), widget=forms.DateInput(attrs={"type": "date"})
    )
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h")
    password = forms.CharField(widget=forms.PasswordInput)
    tick = forms.BooleanField(initial=True)
    untick = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"disabled": False})
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial="line\n<two>")
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)
    pick = forms.ChoiceField(choices=CHOICES, initial="b")
    grouped = forms.ChoiceField(choices=GROUPED, initial="y")
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, initial=3)
    radio_grouped = forms.ChoiceField(
        choices=GROUPED, widget=forms.RadioSelect(attrs={"class": "c"})
    )
    many = forms.MultipleChoiceField(
        choices=CHOICES, widget=forms.CheckboxSelectMultiple, initial=["a"]
    )
    many_select = forms.MultipleChoiceField(choices=CHOICES, initial=["a", "b"])


def rendered(form_class, data=None, **kwargs):
    out = {}
    for name, renderer in (("django", DjangoTemplates()), ("fast", FastTemplates())):
        form = form_class(data, renderer=renderer, **kwargs)
        html = []
        for field in form:
            html.append(str(field))
            html.append(str(field.errors))
            html.extend(str(choice.tag()) for choice in field.subwidgets)
        html.append(str(form.non_field_errors()))
        out[name] = html
    return out


@pytest.mark.parametrize("data", [None, {"text": "x" * 30, "email": "nope", "pick": "q"}])
def test_every_widget_renders_as_django_renders_it(data):
    out = rendered(EveryWidget, data, auto_id="id-%s")
    assert out["fast"] == out["django"]
    assert any("errorlist" in part for part in out["fast"]) == bool(data)


def test_the_apps_hot_forms_render_as_django_renders_them(db):
    Program.default()
    DepartmentFactory(name="R&D <labs>")
    SkillFactory(name="Negotiation & sales")
    hot = (
        (DeclineForm, {"auto_id": "decline-7-%s"}),
        (DirectorySearchForm, {"today": programme_today()}),
        (ProfileForm, {"today": programme_today()}),
        (MeetingForm, {}),
        (AdviceForm, {}),
        (ProgrammeFilterForm, {"programmes": Program.objects.all()}),
    )
    for form_class, kwargs in hot:
        for data in (None, {"message": "", "reason": "nonsense", "q": "x" * 500, "minutes": "-1"}):
            out = rendered(form_class, data, **kwargs)
            assert out["fast"] == out["django"]


def test_the_fast_path_is_in_use_for_djangos_own_templates():
    fast = FastTemplates().fast
    assert "django/forms/widgets/input.html" in fast
    assert "django/forms/widgets/select.html" in fast
