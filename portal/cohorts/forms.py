"""Forms of the secretariat's cohort pages: plan a cohort, move its undecided applications on,
decide it."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.applications.operations import MOVE_REASON_MAX

from portal.applications.checklist import available_versions
from portal.cohorts.models import DISPLAY_NAME_MAX, Cohort
from portal.core import deadlines
from portal.core.extensions import db
from portal.core.forms import LocalDateField, PortalForm, WholeNumberField
from portal.core.i18n import today_jst

WINDOW_ORDER = _l("The last day cannot be before the first day.")
MAX_NUMBER = 99  # registration numbers carry the cohort in two digits (KS02-0137)


NAME_TOO_LONG = _l("Enter a name of at most %(max)s characters.", max=DISPLAY_NAME_MAX)


class _NameHint:
    """The display name's hint, its Japanese examples marked lang="ja" (they stand in English text too)."""

    def __html__(self) -> Markup:
        return Markup(escape(_("From fiscal 2022 cohorts are named by fiscal year, e.g. %(example)s. Leave it "
                               "blank to call the cohort by its number (%(default)s). Registration numbers keep "
                               "the cohort number."))) % {
            "example": Markup('<span lang="ja">令和4年度第2期</span>'),
            "default": Markup('<span lang="ja">第N期</span>')}

    def __str__(self) -> str:
        return str(self.__html__())


NAME_HINT = _NameHint()


def display_name_field() -> StringField:
    return StringField(_l("Display name"),
                       validators=[Optional(), Length(max=DISPLAY_NAME_MAX, message=NAME_TOO_LONG)],
                       description=NAME_HINT, id="cohort-display-name",
                       render_kw={"autocomplete": "off", "lang": "ja", "maxlength": DISPLAY_NAME_MAX})


def number_taken(number: int) -> str:
    return _("Cohort %(number)s already exists. Choose another number.", number=number)


class CohortForm(PortalForm):
    """Plan a cohort: its number, the first and last day of applications (JST), its checklist version."""

    number = WholeNumberField(
        _l("Cohort number"),
        validators=[InputRequired(message=_l("Enter the cohort number.")),
                    NumberRange(min=1, max=MAX_NUMBER, message=_l("Enter a cohort number from 1 to %(max)s."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    display_name = display_name_field()
    # Staff enter days, as the notice will print them; the window is stored as instants (00:00 JST
    # on the first day, 00:00 JST on the day after the last: see portal.core.deadlines).
    first_day = LocalDateField(
        _l("First day of applications"),
        validators=[DataRequired(message=_l("Enter the first day of applications."))],
        description=_l("Applications are accepted from 00:00 (JST) on this day, e.g. 2026-10-01."),
    )
    last_day = LocalDateField(
        _l("Last day of applications"),
        validators=[DataRequired(message=_l("Enter the last day of applications."))],
        description=_l("Applications are accepted until 23:59 (JST) on this day, e.g. 2026-12-27."),
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

    def validate_last_day(self, field):
        if field.data is not None and self.first_day.data is not None and field.data < self.first_day.data:
            raise ValidationError(WINDOW_ORDER)

    @property
    def opens_at(self):
        """The instant applications open (UTC): 00:00 JST on the first day."""
        return deadlines.start_of(self.first_day.data)

    @property
    def closes_at(self):
        """The instant applications close (UTC): 00:00 JST on the day after the last day."""
        return deadlines.close_after(self.last_day.data)


class CohortNameForm(PortalForm):
    """Rename a cohort: its display name, or blank for 「第N期」."""

    display_name = display_name_field()


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


class MoveUndecidedForm(PortalForm):
    """Move every undecided application of the cohort to a later cohort, with one reason. The
    applications listed on the page travel with their versions (`shown`), so that a change
    made meanwhile refuses the move instead of moving something nobody saw."""

    # Not checked against the choices here: the operation refuses an earlier or decided cohort
    # with a clear message.
    target_cohort = SelectField(_l("Move to cohort"), coerce=int, validate_choice=False, validators=[
        InputRequired(message=_l("Choose the cohort to move the applications to."))])
    move_reason = TextAreaField(_l("Reason for the move"), validators=[
        DataRequired(message=_l("Give the reason for moving the applications to another cohort.")),
        Length(max=MOVE_REASON_MAX)],
        description=_l("One reason for all of them, recorded in each application's timeline (staff only). "
                       "Each applicant is told by e-mail that the application was moved."),
        render_kw={"rows": 3})
    shown = HiddenField()

    def shown_versions(self) -> dict[int, int] | None:
        """application id -> version, as the page listed them; None when not readable."""
        try:
            pairs = [item.split(":") for item in (self.shown.data or "").split(",") if item]
            return {int(identifier): int(version) for identifier, version in pairs}
        except ValueError:
            return None


def shown_value(applications) -> str:
    """The `shown` field's value for the applications listed: "id:version,…"."""
    return ",".join(f"{a.id}:{a.version}" for a in applications)
