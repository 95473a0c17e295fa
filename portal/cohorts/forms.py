"""Forms of the secretariat's cohort pages: plan a cohort, decide a cohort."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from portal.applications.checklist import available_versions
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.forms import JSTDateTimeField, LocalDateField, PortalForm, WholeNumberField
from portal.core.i18n import today_jst

WINDOW_ORDER = _l("The window must close after it opens.")
MAX_NUMBER = 99  # registration numbers carry the cohort in two digits (KS02-0137)


def number_taken(number: int) -> str:
    return _("Cohort %(number)s already exists. Choose another number.", number=number)


class CohortForm(PortalForm):
    """Plan a cohort: its number, its application window (JST), its checklist version."""

    number = WholeNumberField(
        _l("Cohort number"),
        validators=[InputRequired(message=_l("Enter the cohort number.")),
                    NumberRange(min=1, max=MAX_NUMBER, message=_l("Enter a cohort number from 1 to %(max)s."))],
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
