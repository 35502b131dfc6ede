"""British English without translation machinery (settings.USE_I18N off): nothing a
person reads changes, and no request reads a catalog."""

import datetime as dt
import gettext
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import trans_real


def en_gb_catalogs() -> list[Path]:
    """The en-gb (and plain en) message catalogs of Django and every installed app."""
    roots = {Path(translation.__file__).parents[2] / "conf"}
    roots |= {Path(config.path) for config in apps.get_app_configs()}
    return sorted(
        mo
        for root in roots
        for language in ("en_GB", "en")
        for mo in root.glob(f"locale/{language}/LC_MESSAGES/*.mo")
    )


def test_the_english_catalogs_say_what_their_message_ids_say():
    """So turning translation off changes no text. A dependency that one day ships a
    British spelling ("organisation") fails this, and USE_I18N must come back on."""
    catalogs = en_gb_catalogs()
    assert any("django/conf/locale/en_GB" in str(mo) for mo in catalogs)
    assert any("allauth" in str(mo) for mo in catalogs)
    for mo in catalogs:
        with mo.open("rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
        for key, text in catalog.items():
            message = key[0] if isinstance(key, tuple) else key
            if not message:
                continue  # the catalog's header
            message = message.split("\x04")[-1]  # without its context
            if isinstance(key, tuple) and key[1] > 0:
                continue  # a plural form: its singular is checked
            assert text == message, f"{mo}: {message!r} reads {text!r}"


def test_dates_numbers_and_messages_are_british_english():
    now = timezone.now()
    text = Template(
        "{{ day|date }} · {{ day|date:'SHORT_DATE_FORMAT' }} · {{ then|timesince:now }} · {{ n }}"
    ).render(
        Context(
            {
                "day": dt.date(2026, 11, 27),
                "then": now - dt.timedelta(days=3, hours=2),
                "now": now,
                "n": 1234.5,
            }
        )
    )
    assert text == "27 Nov 2026 · 27/11/2026 · 3\xa0days, 2\xa0hours · 1234.5"

    class Dated(forms.Form):
        on = forms.DateField()
        count = forms.IntegerField()

    form = Dated({"on": "27/11/2026", "count": "many"})
    assert not form.is_valid()
    assert form.cleaned_data["on"] == dt.date(2026, 11, 27)  # day first, as in Britain
    assert form.errors["count"] == ["Enter a whole number."]


@pytest.mark.django_db
def test_no_request_reads_a_translation_catalog(as_user, protege):
    trans_real._translations.clear()
    trans_real._default = None
    client = as_user(protege)
    for path in ("/engagements/", "/directory/", "/engagements/new/", "/nowhere/"):
        client.get(path)
    assert trans_real._translations == {}
    assert trans_real._default is None
