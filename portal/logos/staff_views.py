"""Staff pages of logo permits: the queue and the lists (waiting, live, ended …) with their
CSV/XLSX export, one request with its history, and the city's decisions.

The logo is Kumamoto City's: city staff and the prefecture's staff read ("logos.view"); only
city staff ("logo.manage") approve, return, refuse and revoke. Views parse, ask permissions,
call one operation, commit, flash."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, func, or_, select

from portal.accounts.models import User
from portal.core.audit import AuditEntry
from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.i18n import jst, today_jst
from portal.core.paging import Page, contains, page_of
from portal.core.permissions import access, may
from portal.core.reference.sdgs import GOALS
from portal.core.security import form_view
from portal.logos import operations
from portal.logos import variants as catalogue
from portal.logos.forms import ApproveForm, RejectForm, ReturnForm, RevokeForm
from portal.logos.models import LogoPermit
from portal.logos.rules import MEDIA, HolderKind
from portal.logos.workflow import PermitState

S = PermitState
bp = Blueprint("staff_logos", __name__, url_prefix="/staff/logos")

PAGE_SIZE = 50
EXPORT_BATCH = 500
LISTS = {
    "waiting": _l("Waiting for a decision"),
    "live": _l("Live permits"),
    "returned": _l("Returned for correction"),
    "ended": _l("Ended"),
    "rejected": _l("Refused"),
    "revoked": _l("Revoked"),
    "all": _l("All"),
}


def _condition(name: str, today: date):
    """The SQL condition of a list: the state, and for approved permits the dates (a permit
    past its last day is ended even before the daily command marks it)."""
    approved_live = and_(LogoPermit.state == S.APPROVED, LogoPermit.valid_until >= today)
    return {
        "waiting": LogoPermit.state == S.SUBMITTED,
        "live": approved_live,
        "returned": LogoPermit.state == S.RETURNED,
        "ended": or_(LogoPermit.state == S.EXPIRED,
                     and_(LogoPermit.state == S.APPROVED, LogoPermit.valid_until < today)),
        "rejected": LogoPermit.state == S.REJECTED,
        "revoked": LogoPermit.state == S.REVOKED,
    }.get(name, LogoPermit.state != S.DRAFT)


def _list_args() -> dict[str, str]:
    args = {"list": (request.args.get("list") or "waiting").strip(), "q": (request.args.get("q") or "").strip()[:100]}
    if args["list"] not in LISTS:
        args["list"] = "waiting"
    return args


def _filtered(query, args: dict[str, str], today: date):
    query = query.where(LogoPermit.state != S.DRAFT, _condition(args["list"], today))
    if args["q"]:
        text = unicodedata.normalize("NFKC", args["q"]).strip()
        query = query.where(or_(LogoPermit.number.ilike(contains(text.upper()), escape="\\"),
                                LogoPermit.holder_name.ilike(contains(text), escape="\\"),
                                LogoPermit.registration_number.ilike(contains(text.upper()), escape="\\")))
    if args["list"] == "waiting":
        return query.order_by(LogoPermit.submitted_at, LogoPermit.id)  # the oldest first
    if args["list"] == "live":
        return query.order_by(LogoPermit.valid_until, LogoPermit.id)  # the next to end first
    return query.order_by(LogoPermit.id.desc())


@bp.get("/")
@access("logos.view")
def index():
    """The queue (waiting for a decision, oldest first), the live permits and the other lists;
    searched by permit number, name or registration number. One query per page."""
    args = _list_args()
    today = today_jst()
    rows, page = page_of(_filtered(select(LogoPermit, func.count().over()), args, today), PAGE_SIZE)
    counts = dict(db.session.execute(select(LogoPermit.state, func.count()).group_by(LogoPermit.state)).all())
    items = [(permit, operations.status_on(permit, today)) for permit, _total in rows]
    return render_template("logos/staff_index.html", page=Page(items, page.page, PAGE_SIZE, page.total), args=args,
                           lists=LISTS, waiting=counts.get(S.SUBMITTED, 0), today=today,
                           selectable=args["list"] == "waiting" and may(current_user, "logo.manage") and bool(items),
                           export_args={k: v for k, v in args.items() if v}, variant_title=catalogue.title_of)


@bp.post("/approve-selected")
@access("logo.manage")
def approve_selected():
    """Approve the requests ticked on the queue, each as asked for, in the queue's order (so the
    numbers follow it); one that cannot be approved is named, the others are issued."""
    ids = [number for number in map(whole_number, request.form.getlist("permit")) if number is not None][:PAGE_SIZE]
    if not ids:
        flash(_("Tick the requests to approve first."), "error")
        return redirect(url_for("staff_logos.index"))
    permits = db.session.scalars(select(LogoPermit).where(LogoPermit.id.in_(ids))
                                 .order_by(LogoPermit.submitted_at, LogoPermit.id)).all()
    versions = {permit.id: request.form.get(f"version-{permit.id}", "") for permit in permits}
    outcomes = operations.approve_as_requested(
        [(permit, whole_number(versions[permit.id], low=1)) for permit in permits],
        current_user)
    db.session.commit()
    issued = [outcome.number for outcome in outcomes if outcome.number]
    if issued:
        flash(ngettext("%(num)s permit was issued (%(numbers)s); its holder was told by e-mail.",
                       "%(num)s permits were issued (%(numbers)s); their holders were told by e-mail.",
                       len(issued), numbers=", ".join(issued)), "success")
    for outcome in outcomes:
        if outcome.error is not None:
            flash(_("Request no. %(id)s was not approved: %(reason)s", id=outcome.permit.id,
                    reason=operations.error_text(outcome.error)), "error")
    return redirect(url_for("staff_logos.index"))


# --- export ------------------------------------------------------------------------------------

def _export_columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Request")), ("number", _("Permit number")), ("status", _("Status")), ("kind", _("Kind")),
        ("holder_name", _("Holder")), ("holder_kind", _("Kind of holder")),
        ("registration_number", _("Registration number")), ("address", _("Address")),
        ("contact", _("Contact person")), ("phone", _("Telephone")), ("activity", _("Activity")),
        ("goals", _("Related goals")), ("media", _("Media")), ("audience", _("Expected audience or quantity")),
        ("variants", _("Design variants")), ("requested_from", _("Requested from")),
        ("requested_until", _("Requested until")), ("submitted_at", _("Sent on")),
        ("valid_from", _("Permitted from")), ("valid_until", _("Permitted until")),
        ("conditions", _("Conditions")), ("ended_on", _("Revoked on")), ("reason", _("Reason")),
    ]


@bp.get("/export.<any(csv, xlsx):fmt>")
@access("logos.view")
def export(fmt: str):
    """The list as filtered on the page, every page of it, as CSV or XLSX (labels in the user's
    language, looked up here: a CSV's rows are read after the view returned)."""
    args = _list_args()
    today = today_jst()
    query = _filtered(select(*[getattr(LogoPermit, c.key) for c in LogoPermit.__table__.columns]), args, today)
    states = {state.value: state.title for state in S}
    extra = {operations.UPCOMING: _("Permit issued (not begun yet)"), operations.LIVE: _("Permit issued")}
    kinds = {kind.value: kind.title for kind in HolderKind}
    media = {key: str(title) for key, title in MEDIA.items()}
    variants = {v.code: str(v.title) for v in catalogue.VARIANTS}
    permit_kinds = {"new": _("New permit"), "renewal": _("Renewal")}

    def convert(row) -> dict:
        status = operations.status_on(row, today)
        return {
            "id": row.id, "number": row.number or "", "status": extra.get(status) or states.get(status, status),
            "kind": permit_kinds.get(row.kind, row.kind), "holder_name": row.holder_name,
            "holder_kind": kinds.get(row.holder_kind, ""), "registration_number": row.registration_number or "",
            "address": row.address or "", "contact": row.contact_name or "", "phone": row.contact_phone or "",
            "activity": row.activity or "", "goals": ";".join(str(g) for g in row.goals or []),
            "media": "; ".join(media.get(m, m) for m in row.media or []) + (
                f" ({row.media_detail})" if row.media_detail else ""),
            "audience": row.audience or "", "variants": "; ".join(variants.get(v, v) for v in row.variants or []),
            "requested_from": row.starts_on, "requested_until": row.ends_on, "submitted_at": row.submitted_at,
            "valid_from": row.valid_from, "valid_until": row.valid_until, "conditions": row.conditions or "",
            "ended_on": row.ended_on, "reason": row.revocation_reason or row.rejection_reason or "",
        }

    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("logo-permits-%(stamp)s", stamp=stamp), _export_columns(),
                           query_rows(query, convert, batch=EXPORT_BATCH), fmt)


# --- one request ---------------------------------------------------------------------------------

EVENTS = {
    "logo.created": _l("Request started"),
    "logo.saved": _l("Request changed by the holder"),
    "logo.submitted": _l("Request sent"),
    "logo.returned": _l("Returned for correction"),
    "logo.rejected": _l("Refused"),
    "logo.approved": _l("Permit issued"),
    "logo.revoked": _l("Revoked"),
    "logo.reminded": _l("Reminder sent: the permit ends soon"),
    "logo.expired": _l("Ended (the period is over)"),
    "logo.use_reported": _l("Use reported by the holder"),
}


# The request's fields as staff read them in the history ("changed by the holder: …").
FIELD_TITLES = {
    "holder_kind": _l("kind of user"), "holder_name": _l("name"), "representative": _l("representative"),
    "postal_code": _l("postal code"), "address": _l("address"), "contact_name": _l("contact person"),
    "contact_phone": _l("telephone"), "activity": _l("activity"), "goals": _l("goals"), "media": _l("media"),
    "media_detail": _l("details of the media"), "audience": _l("audience or quantity"),
    "variants": _l("design variants"), "starts_on": _l("first day"), "ends_on": _l("last day"),
    "agreed_at": _l("agreement to the rules"), "mockup_name": _l("mock-up"),
}


@dataclass(frozen=True)
class Event:
    at: datetime
    text: str
    actor: str | None
    detail: str | None = None


def timeline(permit: LogoPermit) -> list[Event]:
    """The permit's audit entries with who did each, oldest first (one query)."""
    rows = db.session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == LogoPermit.__tablename__, AuditEntry.object_id == permit.id)
        .order_by(AuditEntry.id)).all()
    events = []
    for entry, actor in rows:
        changes = entry.changes or {}
        detail = changes.get("message") or changes.get("reason") or changes.get("number")
        if entry.action == "logo.saved":
            detail = ", ".join(str(FIELD_TITLES[field]) for field in FIELD_TITLES if field in changes)
        events.append(Event(entry.created_at, str(EVENTS.get(entry.action, entry.action)), actor,
                            str(detail) if detail else None))
    return events


def _forms(permit: LogoPermit, given: dict | None = None) -> dict:
    """The decision forms the page shows for this permit (only to those who decide: the city)."""
    given = given or {}
    if not may(current_user, "logo.manage", permit):
        return {}
    version = {"version": permit.version}
    if permit.state == S.SUBMITTED:
        return {
            "approve": given.get("approve") or ApproveForm(formdata=None, prefix="approve", data={
                **version, "valid_from": max(permit.starts_on, today_jst()) if permit.starts_on else None,
                "valid_until": permit.ends_on, "permitted": permit.variants}),
            "return": given.get("return") or ReturnForm(formdata=None, prefix="return", data=version),
            "reject": given.get("reject") or RejectForm(formdata=None, prefix="reject", data=version),
        }
    if operations.is_live(permit):
        return {"revoke": given.get("revoke") or RevokeForm(formdata=None, prefix="revoke", data=version)}
    return {}


def _render(permit: LogoPermit, given: dict | None = None, status: int = 200):
    today = today_jst()
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({i for i in (permit.requested_by_id, permit.decided_by_id) if i}))).all())
    return render_template("logos/staff_show.html", permit=permit, status=operations.status_on(permit, today),
                           forms=_forms(permit, given), events=timeline(permit), names=names, media=MEDIA,
                           goals=GOALS, variant_title=catalogue.title_of, variants=catalogue.VARIANTS,
                           missing=[]), status


def _permit(permit_id: int) -> LogoPermit:
    permit = db.get_or_404(LogoPermit, permit_id)
    if permit.state == S.DRAFT:  # the holder's own until it is sent
        abort(404)
    return permit


@bp.get("/<int:permit_id>")
@access("logos.view")
def show(permit_id: int):
    return _render(_permit(permit_id))


def _decide(permit_id: int, name: str, form_class, act, done: str):
    """Validate the decision form `name`; on success call `act(permit, form)`, commit and flash
    `done`; on a refusal flash why. The page is shown again with the form's errors."""
    permit = _permit(permit_id)
    form = form_class(prefix=name)
    if not form.validate_on_submit():
        return _render(permit, {name: form}, 400)
    try:
        message = act(permit, form)
    except operations.LogoError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
    else:
        db.session.commit()
        flash(message or done, "success")
    return redirect(url_for("staff_logos.show", permit_id=permit_id))


@bp.post("/<int:permit_id>/approve")
@form_view
@access("logo.manage")
def approve(permit_id: int):
    def act(permit, form):
        number = operations.approve_permit(permit, current_user, form.valid_from.data, form.valid_until.data,
                                           form.permitted.data, form.conditions.data or "", form.version.data)
        return _("Permit %(number)s was issued; the holder was told by e-mail.", number=number)

    return _decide(permit_id, "approve", ApproveForm, act, "")


@bp.post("/<int:permit_id>/return")
@form_view
@access("logo.manage")
def return_request(permit_id: int):
    return _decide(permit_id, "return", ReturnForm,
                   lambda permit, form: operations.return_request(permit, current_user, form.message.data,
                                                                  form.version.data),
                   _("The request was returned for correction; the holder was told by e-mail."))


@bp.post("/<int:permit_id>/reject")
@form_view
@access("logo.manage")
def reject(permit_id: int):
    return _decide(permit_id, "reject", RejectForm,
                   lambda permit, form: operations.reject_request(permit, current_user, form.reason.data,
                                                                  form.version.data),
                   _("The request was refused; the holder was told the reason by e-mail."))


@bp.post("/<int:permit_id>/revoke")
@form_view
@access("logo.manage")
def revoke(permit_id: int):
    return _decide(permit_id, "revoke", RevokeForm,
                   lambda permit, form: operations.revoke_permit(permit, current_user, form.reason.data,
                                                                 form.version.data),
                   _("The permit was revoked: its files no longer download, and the holder was told by e-mail."))
