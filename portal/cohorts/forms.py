"""Forms of the secretariat's cohort pages: plan a cohort, decide a cohort."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal.applications.checklist import available_versions
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.forms import PortalForm
from portal.core.i18n import JST, today_jst

WINDOW_ORDER = _l("The window must close after it opens.")


def number_taken(number: int) -> str:
    return _("Cohort %(number)s already exists. Choose another number.", number=number)


def _normalise(value: str) -> str:
    """Full-width digits and separators to half-width (２０２６／１０／０１ → 2026/10/01)."""
    return unicodedata.normalize("NFKC", value).strip()


class WholeNumberField(IntegerField):
    """A whole number; full-width digits are accepted, anything else gets a clear message.
    A text input, so that what was typed is shown back."""

    widget = TextInput()

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()

    def process_formdata(self, valuelist):
        if not valuelist or not _normalise(valuelist[0]):
            self.data = None
            return
        try:
            self.data = int(_normalise(valuelist[0]))
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
        text = _normalise(" ".join(valuelist)) if valuelist else ""
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
        text = _normalise(" ".join(valuelist)).replace("/", "-") if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a date (e.g. 2026-12-20)."))) from None


class CohortForm(PortalForm):
    """Plan a cohort: its number, its application window (JST), its checklist version."""

    number = WholeNumberField(
        _l("Cohort number"),
        validators=[InputRequired(message=_l("Enter the cohort number.")),
                    NumberRange(min=1, message=_l("The cohort number must be 1 or more."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    opens_at = JSTDateTimeField(
        _l("Applications open (JST)"),
        validators=[DataRequired(message=_l("Enter when the window opens."))],
        description=_l("Date and time in Japan Standard Time, e.g. 2026-10-01 00:00."),
    )
    closes_at = JSTDateTimeField(
        _l("Applications close (JST)"),
        validators=[DataRequired(message=_l("Enter when the window closes."))],
        description=_l("Applications are accepted until this moment, e.g. 2026-11-01 00:00."),
    )
    checklist_version = SelectField(
        _l("Checklist version"),
        validators=[DataRequired(message=_l("Choose the checklist version."))],
    )
    decision_planned_on = LocalDateField(
        _l("Planned decision date"),
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_version.choices = [
            SelectChoice(v, str(_l("Version %(version)s", version=v))) for v in available_versions()]

    def validate_number(self, field):
        if field.data is not None and db.session.scalar(select(Cohort.id).where(Cohort.number == field.data)):
            raise ValidationError(number_taken(field.data))

    def validate_closes_at(self, field):
        if field.data is not None and self.opens_at.data is not None and field.data <= self.opens_at.data:
            raise ValidationError(WINDOW_ORDER)


class DecisionForm(PortalForm):
    """決定: the decision date and a confirmation that the secretariat means it."""

    decided_on = LocalDateField(
        _l("Decision date"),
        validators=[DataRequired(message=_l("Enter the decision date."))],
        default=today_jst,
        description=_l("Registrations start on this date and run for three years."),
    )
    confirm = BooleanField(
        _l("I have checked the numbers above. Decide this cohort now: applicants are notified and "
           "this cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
