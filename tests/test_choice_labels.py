"""A choice's label (`get_FOO_display()`) read from a table made once per field
(directory.models.ChoiceLabels): the same label as Django's, for every choice field of
the models that show them in lists, whatever the value."""

from unittest import mock

import pytest
from django.apps import apps
from django.db import models

from directory.models import ChoiceLabels


def choice_fields():
    for model in apps.get_models():
        if issubclass(model, ChoiceLabels):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


def test_the_models_whose_labels_the_lists_show_keep_a_table():
    shown = {f"{model.__name__}.{field.name}" for model, field in choice_fields()}
    assert {
        "Engagement.state",
        "Engagement.role",
        "Engagement.decline_reason",
        "Goal.outcome",
        "Activity.kind",
        "Participant.answer",
        "Event.verb",
        "Notification.kind",
    } <= shown


@pytest.mark.parametrize(("model", "field"), list(choice_fields()), ids=str)
def test_each_label_is_djangos(model, field):
    for value in [*(value for value, _ in field.flatchoices), "", "no-such-choice", None]:
        instance = model(**{field.attname: value})
        ours = getattr(instance, f"get_{field.name}_display")()
        assert ours == models.Model._get_FIELD_display(instance, field), (field, value)


def test_a_label_is_read_without_building_the_choices_again():
    from engagements.models import Engagement

    engagement = Engagement(state=Engagement.State.ACTIVE)
    engagement.get_state_display()  # the table is made once, here if not before
    # Django's builds a dict of every choice, each made hashable, on every call.
    with mock.patch("django.db.models.base.make_hashable", side_effect=AssertionError):
        assert engagement.get_state_display() == "Active"
