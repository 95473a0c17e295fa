"""The secretariat's cohort pages (募集回): plan, open, close and decide cohorts.

Views parse, ask permissions, call one operation of `portal.cohorts.operations`, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.applications.checklist import available_versions
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.cohorts import operations
from portal.cohorts.forms import WINDOW_ORDER, CohortForm, DecisionForm, number_taken
from portal.cohorts.models import TRANSITIONS, Cohort, CohortState
from portal.core.extensions import db
from portal.core.permissions import access
from portal.core.security import form_view

bp = Blueprint("cohorts", __name__, url_prefix="/staff/cohorts")

# Why a decision was refused, by the code of the CohortError.
DECISION_REFUSED = {
    "not_closed": _l("Only a closed cohort can be decided. Close the application window first."),
    "undecided": _l("This cohort cannot be decided yet: some applications have no recommendation. "
                    "Every application must be recommended for approval or rejection (or withdrawn) first."),
}


def _cohort(cohort_id: int) -> Cohort:
    return db.get_or_404(Cohort, cohort_id)


def _state_counts(cohort_ids=None) -> dict[int, dict[ApplicationState, int]]:
    """Applications per cohort and state, in one grouped query."""
    query = select(Application.cohort_id, Application.state, func.count()).group_by(
        Application.cohort_id, Application.state)
    if cohort_ids is not None:
        query = query.where(Application.cohort_id.in_(cohort_ids))
    counts: dict[int, dict[ApplicationState, int]] = {}
    for cohort_id, state, count in db.session.execute(query):
        counts.setdefault(cohort_id, {})[ApplicationState(state)] = count
    return counts


def _ordered(counts: dict[ApplicationState, int]) -> list[tuple[ApplicationState, int]]:
    """(state, count) in workflow order, states without applications left out."""
    return [(state, counts[state]) for state in ApplicationState if counts.get(state)]


@bp.get("/")
@access("staff.cohorts")
def index():
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.number.desc())).all()
    counts = _state_counts()
    rows = [(cohort, _ordered(counts.get(cohort.id, {})), sum(counts.get(cohort.id, {}).values()))
            for cohort in cohorts]
    return render_template("cohorts/index.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("staff.cohorts")
def create():
    form = CohortForm()
    if not form.is_submitted():
        form.number.data = (db.session.scalar(select(func.max(Cohort.number))) or 0) + 1
        versions = available_versions()
        form.checklist_version.data = versions[-1] if versions else None
    if form.validate_on_submit():
        try:
            cohort = operations.plan_cohort(
                form.number.data, form.opens_at.utc, form.closes_at.utc, form.checklist_version.data,
                form.decision_planned_on.data, actor=current_user)
        except operations.CohortError:
            form.closes_at.errors.append(str(WINDOW_ORDER))
        except IntegrityError:  # the same number planned meanwhile by someone else
            db.session.rollback()
            form.number.errors.append(number_taken(form.number.data))
        else:
            db.session.commit()
            flash(_("%(cohort)s was planned. Open it when applications may start.", cohort=cohort.title),
                  "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form), form.status_code


@bp.get("/<int:cohort_id>")
@access("staff.cohorts")
def show(cohort_id: int):
    return _show(_cohort(cohort_id), DecisionForm())


def _show(cohort: Cohort, form: DecisionForm, status: int = 200):
    counts = _state_counts([cohort.id]).get(cohort.id, {})
    preview = operations.decision_preview(cohort) if cohort.state != CohortState.DECIDED else None
    return render_template(
        "cohorts/show.html", cohort=cohort, form=form, preview=preview, counts=_ordered(counts),
        total=sum(counts.values()),
        may_open=CohortState.OPEN in TRANSITIONS[cohort.state],
        may_close=CohortState.CLOSED in TRANSITIONS[cohort.state],
    ), status


@bp.post("/<int:cohort_id>/open", endpoint="open")
@access("staff.cohorts")
def open_cohort(cohort_id: int):
    return _move(_cohort(cohort_id), CohortState.OPEN)


@bp.post("/<int:cohort_id>/close", endpoint="close")
@access("staff.cohorts")
def close_cohort(cohort_id: int):
    return _move(_cohort(cohort_id), CohortState.CLOSED)


def _move(cohort: Cohort, to: CohortState):
    before = cohort.state
    try:
        operations.move_cohort(cohort, to, actor=current_user)
    except operations.CohortError:
        db.session.rollback()
        flash(_("%(cohort)s is “%(state)s” and cannot be moved to “%(target)s”.",
                cohort=cohort.title, state=before.title, target=to.title), "error")
    else:
        db.session.commit()
        flash(_("%(cohort)s is now “%(state)s”.", cohort=cohort.title, state=to.title), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/decide")
@form_view
@access("staff.cohorts")
def decide(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _show(cohort, form, form.status_code)
    try:
        result = operations.decide_cohort(cohort, form.decided_on.data, current_user)
    except operations.CohortError as error:
        db.session.rollback()
        flash(str(DECISION_REFUSED.get(str(error), _l("This cohort cannot be decided now."))), "error")
        return redirect(url_for("cohorts.show", cohort_id=cohort_id))
    if result.already_decided:
        flash(_("This cohort had already been decided: nothing was changed."), "info")
    else:
        db.session.commit()
        flash(_("The cohort was decided: %(registered)s registered, %(renewed)s renewed, %(rejected)s rejected. "
                "Each applicant is notified by e-mail.", registered=result.registered, renewed=result.renewed,
                rejected=result.rejected), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort_id))
