"""The progress-report form (one group of fields per key action) and the period form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core.forms import PortalForm
from portal.reports.models import ActionStatus
from portal.reports.operations import COMMENT_LENGTH, VALUE_LENGTH, Entry


def status_choices():
    return [SelectChoice(status.value, status.title) for status in ActionStatus]


class ReportForm(PortalForm):
    """Fields value_N, status_N and comment_N are added per key action by `report_form`, and
    key_N, the action's key as shown (a renewal approved meanwhile is noticed, not misfiled)."""

    def entries(self, count: int) -> list[Entry]:
        return [Entry(self[f"value_{i}"].data or "", self[f"status_{i}"].data or "", self[f"comment_{i}"].data,
                      self[f"key_{i}"].data or None)
                for i in range(count)]


def report_form(actions: list[dict], report=None, **kwargs) -> ReportForm:
    """A form for these key actions, filled from `report` when one was filed already."""

    class Form(ReportForm):
        pass

    data = {}
    for i, action in enumerate(actions):
        number = i + 1
        setattr(Form, f"value_{i}", StringField(
            _l("Key action %(number)s: current value", number=number),
            validators=[DataRequired(message=_l("Enter the indicator's current value.")), Length(max=VALUE_LENGTH)],
            description=_l("Indicator: %(indicator)s (unit: %(unit)s)", indicator=action.get("indicator") or "—",
                           unit=action.get("unit") or "—")))
        setattr(Form, f"status_{i}", RadioField(
            _l("Key action %(number)s: status", number=number), choices=status_choices(),
            validators=[InputRequired(message=_l("Choose a status."))]))
        setattr(Form, f"comment_{i}", TextAreaField(
            _l("Key action %(number)s: comment", number=number), validators=[Optional(), Length(max=COMMENT_LENGTH)]))
        setattr(Form, f"key_{i}", HiddenField(default=action["key"]))
    if report is not None:
        place = {action["key"]: i for i, action in enumerate(actions)}
        for line in report.lines:
            i = place.get(line.action_key)
            if i is not None:
                data.update({f"value_{i}": line.value_text, f"status_{i}": line.status.value,
                             f"comment_{i}": line.comment or ""})
    return Form(data=data, **kwargs)


class PeriodForm(PortalForm):
    fiscal_year = IntegerField(_l("Fiscal year"), validators=[
        InputRequired(message=_l("Enter the fiscal year, for example 2025.")),
        NumberRange(min=2019, max=2100, message=_l("Enter a fiscal year from %(min)s to %(max)s."))])
    opens_on = DateField(_l("First day (JST)"), validators=[InputRequired(message=_l("Enter the opening day."))])
    closes_on = DateField(_l("Last day (JST)"), validators=[InputRequired(message=_l("Enter the closing day."))],
                          description=_l("Reports are accepted through the whole last day, until 23:59 JST."))
