"""Forms of the KPI pages: the report's date and target (a GET form), and a target."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.core.forms import LocalDateField, PortalForm, WholeNumberField, whole_number
from portal.kpi.targets import FIRST_YEAR, LAST_YEAR, MAX_VALUE, Target

# The Japanese calendar of the report starts in 1873; the portal's data long after 2000.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
AUTOMATIC = ""


class ReportForm(PortalForm):
    """The report's date (default: today, JST) and, optionally, the target to measure against.
    Read from the query string: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    as_of = LocalDateField(
        _l("Report date"),
        validators=[Optional()],
        description=_l("Leave empty for today (JST)."),
    )
    target = SelectField(_l("Target"), default=AUTOMATIC, validate_choice=False)

    def __init__(self, *args, targets: dict[int, Target], **kwargs):
        super().__init__(*args, **kwargs)
        self._years = set(targets)
        self.target.choices = [(AUTOMATIC, str(_l("The target of the report date's fiscal year")))] + [
            (str(year), str(_l("Fiscal %(year)s: %(value)s", year=year, value=f"{t.value:,}")))
            for year, t in targets.items()]

    def validate_as_of(self, field):
        if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
            raise ValidationError(_l("Enter a date between 2000-01-01 and 2100-12-31."))

    def validate_target(self, field):
        if field.data and whole_number(field.data) not in self._years:
            raise ValidationError(_l("There is no target for this fiscal year. Choose one of the targets listed."))

    @property
    def target_year(self) -> int | None:
        return int(self.target.data) if self.target.data else None


class TargetForm(PortalForm):
    """Add a target, or change the one of a fiscal year."""

    fiscal_year = WholeNumberField(
        _l("Fiscal year"),
        validators=[InputRequired(message=_l("Enter the fiscal year (e.g. 2026).")),
                    NumberRange(min=FIRST_YEAR, max=LAST_YEAR,
                                message=_l("The fiscal year must be between 2000 and 2100."))],
        description=_l("April to March: fiscal 2026 runs from 2026-04-01 to 2027-03-31."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    value = WholeNumberField(
        _l("Target: registered entities in the city"),
        validators=[InputRequired(message=_l("Enter the target.")),
                    NumberRange(min=1, max=MAX_VALUE,
                                message=_l("The target must be a whole number of at least 1 (and at most 1,000,000)."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    note = TextAreaField(
        _l("Source"),
        validators=[DataRequired(message=_l("Say where the target comes from: the plan or decision that sets it.")),
                    Length(max=500, message=_l("At most 500 characters."))],
        description=_l("Where the target comes from, e.g. the plan and its page."),
        render_kw={"rows": 3},
    )
