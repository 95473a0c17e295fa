"""Every number a form takes is bounded to what its column holds (and to what makes sense: a
cohort number has two digits), so that a 24-digit number is a message on the field, never an
OverflowError from the database."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, Form, IntegerField
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, Optional

import portal
from support import csrf_token, login
from portal.core.extensions import db
from portal.core.forms import INTEGER_MAX, INTEGER_MIN, NUMBER_LIMIT, NumberField, PortalForm, WholeNumberField

HUGE = "123456789012345678901234"  # 24 digits
BIGINT_MAX = 2**63 - 1
# Numbers whose column is wider than INTEGER: (form class, field) -> the largest it may hold.
WIDER = {("OrganisationForm", "capital"): BIGINT_MAX}


def _portal_form_classes() -> list[type]:
    """Every form class of the portal (subforms included), its modules imported first."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(module.name)

    found, todo = set(), [Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                todo.append(subclass)
    return sorted((cls for cls in found if cls.__module__.startswith("portal.")),
                  key=lambda cls: (cls.__module__, cls.__qualname__))


def _numeric_fields(cls) -> list[tuple[str, UnboundField]]:
    """(name, unbound field) of each IntegerField / DecimalField the class declares, looking into
    FieldList(…) entries."""
    fields = []
    for name in dir(cls):
        unbound = getattr(cls, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        inner = unbound.args[0] if unbound.args and isinstance(unbound.args[0], UnboundField) else None
        for candidate in (unbound, inner):
            if candidate is not None and issubclass(candidate.field_class, (IntegerField, DecimalField)):
                fields.append((name, candidate))
    return fields


def _validators(unbound: UnboundField) -> list:
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or ())
    return list(unbound.args[1]) if len(unbound.args) > 1 else []


def test_every_numeric_field_of_every_form_is_bounded(app):
    classes = _portal_form_classes()
    assert PortalForm in classes and len(classes) > 40  # the walk found the portal's forms
    checked, unbounded = set(), []
    for cls in classes:
        for name, unbound in _numeric_fields(cls):
            ranges = [v for v in _validators(unbound) if isinstance(v, NumberRange)]
            highest = min((r.max for r in ranges if r.max is not None), default=None)
            lowest = max((r.min for r in ranges if r.min is not None), default=None)
            if issubclass(unbound.field_class, DecimalField):
                ceiling, floor = NUMBER_LIMIT, -NUMBER_LIMIT
            else:
                ceiling = WIDER.get((cls.__name__, name), INTEGER_MAX)
                floor = -ceiling - 1
            if highest is None or lowest is None or not floor <= lowest <= highest <= ceiling:
                unbounded.append(f"{cls.__module__}.{cls.__qualname__}.{name}: {lowest}..{highest}")
            checked.add(f"{cls.__name__}.{name}")
    assert unbounded == [], "numeric fields without a NumberRange fitting their column"
    # The walk saw the fields this test is about (so that it is not vacuously true).
    assert {"CohortForm.number", "TargetForm.fiscal_year", "TargetForm.value", "SeminarForm.capacity",
            "SignupForm.seats", "PeriodForm.fiscal_year", "ApproveForm.version", "RequestForm.version",
            "OrganisationForm.employees", "OrganisationForm.capital", "ActionForm.target_value"} <= checked


# --- the fields themselves -------------------------------------------------------------------------

class _Numbers(Form):
    bare = WholeNumberField()  # no validators: still what an INTEGER column holds
    ranged = WholeNumberField(validators=[Optional(), NumberRange(min=1, max=99, message="from 1 to 99")])
    amount = NumberField(places=None)


def _errors(app, **data) -> dict[str, list[str]]:
    with app.test_request_context(), force_locale("en"):
        form = _Numbers(MultiDict(data))
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize("data, expected", [
    ({"bare": str(INTEGER_MAX)}, {}),
    ({"bare": str(INTEGER_MIN)}, {}),
    ({"bare": str(INTEGER_MAX + 1)}, {"bare": ["This number is too large."]}),
    ({"bare": HUGE}, {"bare": ["This number is too large."]}),
    ({"bare": "-" + HUGE}, {"bare": ["This number is too small."]}),
    ({"ranged": HUGE}, {"ranged": ["from 1 to 99"]}),  # the field's own message, once
    ({"ranged": "１００"}, {"ranged": ["from 1 to 99"]}),
    ({"amount": "1" + "0" * 15}, {}),
    ({"amount": "1" + "0" * 16}, {"amount": ["This number is too large."]}),
    ({"amount": "1e400"}, {"amount": ["This number is too large."]}),
    ({"amount": "NaN"}, {"amount": ["Enter a number (e.g. 120.5)."]}),
    ({"amount": "sNaN"}, {"amount": ["Enter a number (e.g. 120.5)."]}),
    ({"amount": "-Infinity"}, {"amount": ["Enter a number (e.g. 120.5)."]}),
])
def test_numbers_out_of_range_get_one_message(app, data, expected):
    assert _errors(app, **data) == expected


def test_a_range_error_stops_the_fields_other_checks(app):
    """An inline validator (a uniqueness query) never sees a number out of range."""
    seen = []

    class Checked(Form):
        number = WholeNumberField(validators=[NumberRange(min=1, max=99, message="from 1 to 99")])

        def validate_number(self, field):
            seen.append(field.data)

    with app.test_request_context():
        assert not Checked(MultiDict({"number": HUGE})).validate()
        assert Checked(MultiDict({"number": "7"})).validate()
    assert seen == [7]


# --- through the pages -----------------------------------------------------------------------------

@pytest.fixture
def secretariat(app, client, make_user):
    login(client, make_user("secretariat", locale="en"))
    assert client.get("/?lang=en").status_code == 200
    return client


@pytest.fixture
def city(app, client, make_user):
    """Kumamoto City's staff keep the KPI targets."""
    login(client, make_user("city", locale="en"))
    assert client.get("/?lang=en").status_code == 200
    return client


def _post(client, path: str, data: dict, token_from: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("number", [HUGE, "100", "0", "-" + HUGE])
def test_a_cohort_number_out_of_range_is_a_message_not_a_500(app, secretariat, number):
    from portal.cohorts.models import Cohort

    response = _post(secretariat, "/staff/cohorts/new", {
        "number": number, "first_day": "2026-10-01", "last_day": "2026-10-31", "checklist_version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="number-error"' in page and "Enter a cohort number from 1 to 99." in page
    assert number in page  # what was typed is shown back
    assert _count(app, Cohort) == 0


@pytest.mark.parametrize("data, message", [
    ({"fiscal_year": "2026", "value": HUGE}, "The target must be a whole number of at least 1"),
    ({"fiscal_year": HUGE, "value": "850"}, "The fiscal year must be between 2000 and 2100."),
])
def test_a_kpi_target_out_of_range_is_a_message_not_a_500(app, city, data, message):
    from portal.kpi.models import KpiTarget

    response = _post(city, "/staff/kpi/targets", {"note": "", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app, KpiTarget) == 0


def test_a_progress_report_period_out_of_range_is_a_message_not_a_500(app, secretariat):
    from portal.reports.models import ReportPeriod

    response = _post(secretariat, "/staff/reports/periods",
                     {"fiscal_year": HUGE, "opens_on": "2026-04-01", "closes_on": "2026-05-31"}, "/staff/reports/")
    assert response.status_code == 200
    assert "Enter a fiscal year from 2019 to 2100." in response.get_data(as_text=True)
    assert _count(app, ReportPeriod) == 0
