"""The secretariat's cohort pages (募集回): plan, open, close and decide cohorts.

Views parse, ask permissions, call one operation of `portal.cohorts.operations`, render."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.applications.checklist import available_versions
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.applications import messages
from portal.applications import operations as applications
from portal.cohorts import approval, operations
from portal.cohorts.forms import (NAME_HINT, NAME_TOO_LONG, WINDOW_ORDER, CohortForm, CohortNameForm, DecisionForm,
                                  MoveUndecidedForm, number_taken, shown_value)
from portal.cohorts.models import TRANSITIONS, Cohort, CohortState
from portal.core.db import utcnow
from portal.core.exports import content_disposition, export_response
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst
from portal.core.permissions import access
from portal.core.security import form_view
from portal.registrations import details, documents
from portal.registrations.models import Registration

bp = Blueprint("cohorts", __name__, url_prefix="/staff/cohorts")

# Why a decision was refused, by the code of the CohortError.
DECISION_REFUSED = {
    "not_closed": _l("Only a closed cohort can be decided. Close the application window first."),
    "undecided": _l("This cohort cannot be decided yet: some applications have no recommendation. "
                    "Every application must be recommended for approval or rejection (or withdrawn) first."),
    "without_reason": _l("This cohort cannot be decided yet: some applications recommended for rejection have no "
                         "reason for the applicant. Give each its reason on its review page first."),
}


# What one certificate costs, measured (WeasyPrint, IPAex fonts embedded): for the estimate
# shown next to the zip download, from this many certificates on.
CERTIFICATE_BYTES = 30_000
CERTIFICATE_SECONDS = 0.3
LARGE_ZIP = 20


@bp.app_template_global("open_intakes")
def open_intakes() -> list[Cohort]:
    """The cohorts open for applications whose window has not passed, for the landing page."""
    return list(db.session.scalars(select(Cohort).where(Cohort.state == CohortState.OPEN, Cohort.closes_at > utcnow())
                                   .order_by(Cohort.closes_at, Cohort.number)))


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
                form.number.data, form.opens_at, form.closes_at, form.checklist_version.data,
                form.decision_planned_on.data, actor=current_user, display_name=form.display_name.data)
        except operations.CohortError as error:
            if str(error) == "name_too_long":
                form.display_name.errors.append(str(NAME_TOO_LONG))
            else:
                form.last_day.errors.append(str(WINDOW_ORDER))
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


def _undecided(cohort: Cohort) -> list[Application]:
    """The applications that block the decision, in the order they were submitted."""
    return list(db.session.scalars(
        select(Application).where(Application.cohort_id == cohort.id, Application.state.not_in(operations.DECIDABLE))
        .order_by(Application.submitted_at, Application.id).options(selectinload(Application.organisation))))


def _later_cohorts(cohort: Cohort) -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).where(
        Cohort.number > cohort.number, Cohort.state != CohortState.DECIDED).order_by(Cohort.number)))


def _move_form(cohort: Cohort, undecided: list[Application], formdata: bool = False) -> MoveUndecidedForm:
    form = MoveUndecidedForm() if formdata else MoveUndecidedForm(formdata=None, data={"shown": shown_value(undecided)})
    form.target_cohort.choices = [(c.id, _("%(cohort)s (%(state)s)", cohort=c.title, state=c.state.title))
                                  for c in _later_cohorts(cohort)]
    return form


def _show(cohort: Cohort, form: DecisionForm, status: int = 200, move_form: MoveUndecidedForm | None = None):
    counts = _state_counts([cohort.id]).get(cohort.id, {})
    decided = cohort.state == CohortState.DECIDED
    preview = operations.decision_preview(cohort) if not decided else None
    undecided = _undecided(cohort) if preview and preview["undecided"] else []
    if undecided and move_form is None:
        move_form = _move_form(cohort, undecided)
    certificates = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.cohort_id == cohort.id)) if decided else 0
    estimate = None
    if certificates >= LARGE_ZIP:
        estimate = {"megabytes": max(1, round(certificates * CERTIFICATE_BYTES / 1_000_000)),
                    "seconds": max(1, round(certificates * CERTIFICATE_SECONDS))}
    return render_template(
        "cohorts/show.html", cohort=cohort, form=form, preview=preview, counts=_ordered(counts),
        total=sum(counts.values()), certificates=certificates, estimate=estimate,
        may_open=CohortState.OPEN in TRANSITIONS[cohort.state],
        may_close=CohortState.CLOSED in TRANSITIONS[cohort.state],
        undecided=undecided, move_form=move_form, approval_list=approval.available(cohort),
    ), status


@bp.post("/<int:cohort_id>/move-undecided")
@form_view
@access("staff.cohorts")
def move_undecided(cohort_id: int):
    """Move every undecided application to a later cohort with one reason (one batch)."""
    cohort = _cohort(cohort_id)
    form = _move_form(cohort, [], formdata=True)
    if not form.validate_on_submit():
        return _show(cohort, DecisionForm(formdata=None), form.status_code, move_form=form)
    shown = form.shown_versions()
    target = db.session.get(Cohort, form.target_cohort.data) if form.target_cohort.data else None
    try:
        if shown is None:
            raise applications.ApplicationError("move_changed")
        moved = operations.move_undecided(cohort, target, shown, current_user, form.move_reason.data)
        db.session.commit()
    except applications.ApplicationError as error:
        db.session.rollback()
        problem = messages.error_text(error)
        name = error.details.get("name")
        flash(_("%(name)s: %(problem)s Nothing was moved.", name=name, problem=problem)
              if name and error.code != "move_changed" else problem,
              "error")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id, _anchor="decision"))
    flash(ngettext("%(num)s application was moved to %(cohort)s; its applicant was notified by e-mail.",
                   "%(num)s applications were moved to %(cohort)s; each applicant was notified by e-mail.",
                   moved, cohort=target.title), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id, _anchor="decision"))


def _approval_data(cohort_id: int) -> tuple[Cohort, dict]:
    cohort = _cohort(cohort_id)
    if not approval.available(cohort):
        abort(404)
    return cohort, approval.list_data(cohort, today_jst())


@bp.get("/<int:cohort_id>/approval-list.pdf")
@access("staff.cohorts")
def approval_pdf(cohort_id: int):
    """決裁 list as an A4 landscape PDF (Japanese)."""
    cohort, data = _approval_data(cohort_id)
    response = send_file(io.BytesIO(approval.approval_pdf(data)), mimetype="application/pdf", max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"決裁用一覧_KS{cohort.number:02d}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:cohort_id>/approval-list.xlsx")
@access("staff.cohorts")
def approval_xlsx(cohort_id: int):
    """決裁 list as XLSX, in the reader's language."""
    cohort, data = _approval_data(cohort_id)
    columns, rows = approval.export_rows(data)
    return export_response(_("decision-list-cohort-%(number)s", number=cohort.number), columns, rows, "xlsx")


@bp.route("/<int:cohort_id>/name", methods=["GET", "POST"])
@form_view
@access("staff.cohorts")
def rename(cohort_id: int):
    """The cohort's display name (「令和4年度第2期」), or blank for 「第N期」: its own small page, whose
    form (templates/cohorts/_name.html) the cohort's page includes too."""
    cohort = _cohort(cohort_id)
    form = CohortNameForm()
    if not form.is_submitted():
        form.display_name.data = cohort.display_name or ""
    if form.validate_on_submit():
        try:
            changed = operations.rename_cohort(cohort, form.display_name.data, actor=current_user)
        except operations.CohortError:
            form.display_name.errors.append(str(NAME_TOO_LONG))
        else:
            db.session.commit()
            if changed:
                flash(_("The cohort is now called %(cohort)s.", cohort=cohort.title), "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/name.html", cohort=cohort, name_form=form), form.status_code


@bp.app_context_processor
def _name_hint() -> dict:
    """The display name's hint, for templates/cohorts/_name.html wherever it is included."""
    return {"NAME_HINT": NAME_HINT}


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


@bp.get("/<int:cohort_id>/certificates.zip")
@access("staff.cohorts")
def certificates_zip(cohort_id: int):
    """Every certificate of a decided cohort in one zip (KS03-0001.pdf, …), streamed: each is
    taken from the certificate cache or rendered (and cached) while the body is sent, so the
    download starts at once and memory holds one certificate at a time."""
    from portal.certificates.issuer import certificate_inputs

    cohort = _cohort(cohort_id)
    if cohort.state != CohortState.DECIDED:
        abort(404)
    today = today_jst()
    registrations = db.session.scalars(
        select(Registration).where(Registration.cohort_id == cohort.id).order_by(Registration.sequence)).all()
    if not registrations:
        abort(404)
    # Plain dicts, read now: the body is written after this view returned and its session closed.
    versions = details.current_for([registration.id for registration in registrations])  # one query, not one each
    issuer = certificate_inputs()  # once, not once per certificate
    entries = [documents.certificate_data(registration, today, versions.get(registration.id), issuer)
               for registration in registrations]
    # No stream_with_context (see portal.core.exports): each certificate gets an app context of
    # its own, pushed and popped between two chunks.
    body = _zip_chunks(current_app._get_current_object(), entries, datetime.now(JST))
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(f"熊本県SDGs登録証_KS{cohort.number:02d}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy passes the chunks on as they come
    return response


class _Sink:
    """A write-only file for zipfile (which then writes data descriptors, needing no seek):
    keeps what was written until it is drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip_chunks(app: Flask, entries: list[dict], now: datetime) -> Iterator[bytes]:
    # Nothing yet, but the status line and headers go out with it: the browser starts the
    # download (and shows it progressing) before the first certificate is rendered.
    yield b""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for data in entries:
            with app.app_context():
                pdf, _digest = documents.certificate_file(data)
            info = zipfile.ZipInfo(f"{data['number']}.pdf", date_time=now.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, pdf)
            yield sink.drain()
    yield sink.drain()  # the central directory
