"""Form conventions shared by every feature: input hygiene and Japanese-specific validators."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, DecimalField, Field, IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal.core import japanese
from portal.core.i18n import JST


def strip(value):
    return value.strip() if isinstance(value, str) else value


def nfkc(value):
    """Full-width digits and letters to half-width (ＡＢＣ１２３ → ABC123); kana are kept."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """A FlaskForm that refuses control characters (NUL and friends) in any text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (StringField, TextAreaField)):
                options = dict(options, filters=(strip, *unbound_field.kwargs.get("filters", ())))
            return unbound_field.bind(form=form, **options)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.meta.csrf:
            # The hidden token renders without an id: a page holds several forms, and ids are
            # unique on a page (a repeated id sends assistive technology to the wrong element).
            self.csrf_token.render_kw = {"id": False}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.meta.csrf and "csrf_token" in self.errors:
            # Say what happened and that nothing was lost; the form carries a fresh token.
            self.csrf_token.errors = [str(_l(
                "This page had been open too long, so it could not be sent. What you typed is "
                "kept below: please check it and send it again."))]
        for field in self:
            if isinstance(field.data, str) and _has_control_characters(field.data):
                field.errors = [*field.errors, str(_l("Contains characters that cannot be used."))]
                valid = False
        return valid

    @property
    def csrf_failed(self) -> bool:
        return "csrf_token" in self.errors

    @property
    def status_code(self) -> int:
        """The status of a page showing this form: 400 when its token was stale or missing."""
        return 400 if self.csrf_failed else 200

    def error_list(self) -> list[tuple[Field, str]]:
        """(field, message) pairs for the error summary at the top of the page, looking inside
        lists of subforms (key actions) so that each message links to its own field."""
        return list(_field_errors(self))


def _field_errors(fields):
    from wtforms import FieldList, FormField

    for field in fields:
        if isinstance(field, FieldList):
            yield from _field_errors(field.entries)
        elif isinstance(field, FormField):
            yield from _field_errors(field.form)
        else:
            for message in field.errors:
                yield field, message


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in text)


# What an INTEGER column holds (PostgreSQL's is the narrowest, 4 bytes): no whole-number field
# accepts more, whatever its own range; a BIGINT column (capital) is the one wider.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def whole_number(text, low: int = 0, high: int = INTEGER_MAX) -> int | None:
    """`text` (a query argument, a ticked box's value) as a whole number from `low` to `high`, or
    None: ASCII digits only (str.isdigit() also takes "²", which int() refuses) and never beyond
    an INTEGER column (a longer number makes the database driver overflow)."""
    text = str(text if text is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None
# No decimal typed here is larger (indicators, amounts in yen); beyond, it is a slip of the key.
NUMBER_LIMIT = Decimal(10) ** 15
TOO_LARGE = _l("This number is too large.")
TOO_SMALL = _l("This number is too small.")


def _check_range_first(field, form, lowest, highest) -> None:
    """The field's NumberRange validators, then [lowest, highest], checked before its other
    validators and stopping them: an inline check (a uniqueness query, a comparison) cannot take
    a number out of range — a 24-digit number overflows SQLite."""
    if field.data is None:
        return
    for bounds in field.validators:
        if isinstance(bounds, NumberRange):
            try:
                bounds(form, field)
            except ValidationError as error:
                raise StopValidation(error.args[0]) from None
    if field.data > highest:
        raise StopValidation(str(TOO_LARGE))
    if field.data < lowest:
        raise StopValidation(str(TOO_SMALL))


class NumberField(DecimalField):
    """A number as people type it here: full-width digits (１２０．５) and thousands separators
    (1,200) are accepted; anything else gets a message that says what is expected. A text input
    (with a decimal keypad on phones), so that what was typed is shown back, not blanked.
    Its range is checked first (see _check_range_first), within ±NUMBER_LIMIT in any case."""

    widget = TextInput()

    def pre_validate(self, form):
        if self.process_errors:  # not a number: range checks would only add noise
            raise StopValidation()
        _check_range_first(self, form, -NUMBER_LIMIT, NUMBER_LIMIT)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [unicodedata.normalize("NFKC", v).replace(",", "").strip() for v in valuelist]
        try:
            super().process_formdata(valuelist)
            if self.data is not None and not self.data.is_finite():  # NaN, Infinity
                self.data = None
                raise ValueError
        except ValueError:
            raise ValueError(str(_l("Enter a number (e.g. 120.5)."))) from None


class RequiredToSubmit:
    """Marks a field required (the form shows 「必須」) without refusing to save a draft without
    it: what is still missing is listed, and checked, when the whole application is submitted."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class Katakana:
    """フリガナ: full-width katakana (half-width kana and hiragana are converted first)."""

    def __call__(self, form, field):
        if field.data:
            field.data = japanese.to_katakana(japanese.normalize(field.data))
            if not japanese.is_katakana(field.data):
                raise ValidationError(_l("Enter the reading in full-width katakana."))


# Said wherever a 法人番号 is entered (profile, application, claims) and when an application is
# checked before submission (`japanese.is_government_body` has the rule).
GOVERNMENT_NUMBER_MESSAGE = _l(
    "This is the corporate number of a national or local government body. They cannot "
    "register: the system is for corporations, groups and sole proprietors with an office in Kumamoto "
    "Prefecture.")


class CorporateNumber:
    """法人番号: 13 digits with a valid check digit (full-width digits and hyphens accepted), and
    not a government body's (the national government and local governments are not eligible)."""

    messages = {
        "length": _l("A corporate number has 13 digits."),
        "digits": _l("A corporate number contains digits only."),
        "check_digit": _l("This corporate number is not valid (check digit). Please check it."),
        "government": GOVERNMENT_NUMBER_MESSAGE,
    }

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = japanese.validate_corporate_number(field.data)
        except ValueError as error:
            raise ValidationError(self.messages.get(str(error), self.messages["check_digit"])) from None
        if japanese.is_government_body(field.data):
            raise ValidationError(self.messages["government"])


class PostalCode:
    """A Japanese postal code: 8600806, 860-0806, 〒860-0806, full-width forms."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = japanese.normalize_postal_code(field.data)
        except ValueError:
            raise ValidationError(_l("Enter a 7-digit postal code (e.g. 860-8570).")) from None


# --- keeping what was typed across an expired session --------------------------------------

_NOT_KEPT = ("csrf_token", "password", "password_again", "current_password")


def keep_input() -> None:
    """Remember the posted form (never passwords or the token) for after signing in again."""
    from flask import request, session

    data = [(k, v) for k, v in request.form.items(multi=True) if k not in _NOT_KEPT]
    if data:
        session["kept_input"] = {"path": request.path, "data": data}


def restore_input():
    """The form data kept for this page before the user signed in again, or None."""
    from flask import request, session
    from werkzeug.datastructures import MultiDict

    kept = session.get("kept_input")
    if not kept or kept.get("path") != request.path:
        return None
    session.pop("kept_input")
    return MultiDict([tuple(pair) for pair in kept["data"]])


# --- numbers and dates as people in Japan type them --------------------------------------------

def _normalise_digits(value: str) -> str:
    """Full-width digits and separators to half-width (２０２６／１０／０１ → 2026/10/01)."""
    return unicodedata.normalize("NFKC", value).strip()


class WholeNumberField(IntegerField):
    """A whole number; full-width digits are accepted, anything else gets a clear message.
    A text input, so that what was typed is shown back. Its range is checked first (see
    _check_range_first), within what an INTEGER column holds in any case."""

    widget = TextInput()

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        _check_range_first(self, form, INTEGER_MIN, INTEGER_MAX)

    def process_formdata(self, valuelist):
        if not valuelist or not _normalise_digits(valuelist[0]):
            self.data = None
            return
        try:
            self.data = int(_normalise_digits(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a whole number (e.g. 3)."))) from None


class JSTDateTimeField(DateTimeLocalField):
    """A date and time as people in Japan mean it (JST); `.utc` is the instant, UTC-aware.

    The browser sends 2026-10-01T09:00; typed forms like 2026/10/01 9:00 are accepted too."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=list(self.FORMATS), **kwargs)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()

    def process_formdata(self, valuelist):
        text = _normalise_digits(" ".join(valuelist)) if valuelist else ""
        if not text:
            self.data = None
            return
        text = text.replace("/", "-")
        for pattern in self.strptime_format:
            try:
                self.data = datetime.strptime(text, pattern)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(str(_l("Enter a date and time (e.g. 2026-10-01 09:00).")))

    @property
    def utc(self) -> datetime | None:
        if self.data is None:
            return None
        return self.data.replace(tzinfo=JST).astimezone(timezone.utc)


class LocalDateField(DateField):
    """A date (YYYY-MM-DD; full-width digits and 2026/10/01 accepted) with a clear message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()

    def process_formdata(self, valuelist):
        text = _normalise_digits(" ".join(valuelist)).replace("/", "-") if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a date (e.g. 2026-12-20)."))) from None
