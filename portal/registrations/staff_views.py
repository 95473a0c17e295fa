"""Staff pages of registrations: the list, a registration with its audit timeline and change
notices and the dated history of its certified details, revocation (取消), and a change notice's
page where the secretariat accepts or returns it.

Every staff member (rule "staff") reads, and downloads the list as CSV or XLSX; only the secretariat
("registration.manage") revokes, and accepts or returns change notices. Views parse, ask permissions, call one operation of
`portal.registrations.operations`, commit, flash.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.core import japanese
from portal.core.audit import AuditEntry
from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.paging import Page, contains, page_of
from portal.core.i18n import (
    display_date,
    industry_name,
    jst,
    municipality_name,
    today_jst,
)
from portal.core.permissions import access, may
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import MUNICIPALITIES
from portal.core.security import form_view
from portal.organisations.models import Organisation
from portal.registrations import details, documents, operations
from portal.registrations.forms import AcceptNoticeForm, ReturnNoticeForm, RevokeForm
from portal.registrations.queries import status_condition
from portal.registrations.models import (
    ChangeNotice,
    ChangeNoticeState,
    Registration,
    RegistrationState,
)

bp = Blueprint("staff_registrations", __name__, url_prefix="/staff/registrations")

PAGE_SIZE = 50
# Rows fetched from the database at a time while an export is written.
EXPORT_BATCH = 500
FILTERS = ("cohort", "status", "where", "q", "notices")
STATUSES = (documents.ACTIVE, documents.UPCOMING, documents.EXPIRED, documents.WITHDRAWN, documents.REVOKED)


# --- the list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    registration: Registration
    status: str
    status_title: str
    open_notices: int


def _search(q: str):
    """Registration number (KS07-0001, also typed full-width or in part), name or reading."""
    text = japanese.normalize(q)
    number = documents.normalise_number(text)
    if number:
        return Registration.number == number
    folded = unicodedata.normalize("NFKC", text).upper()
    conditions = [Organisation.search_key.like(contains(japanese.search_key(text)), escape="\\")]
    if re.fullmatch(r"[A-Z0-9\-]+", folded):
        conditions.append(Registration.number.ilike(contains(folded), escape="\\"))
    return or_(*conditions)


def _list_args() -> dict[str, str]:
    return {name: (request.args.get(name) or "").strip()[:100] for name in FILTERS}


def _open_notices():
    """The registration's change notices waiting for the secretariat (a correlated count)."""
    return (select(func.count(ChangeNotice.id))
            .where(ChangeNotice.registration_id == Registration.id, ChangeNotice.state == ChangeNoticeState.FILED)
            .correlate(Registration).scalar_subquery())


def _filtered(query, args: dict[str, str], today: date, open_notices):
    """`query` (over registrations joined to their organisation and cohort) narrowed by the list's
    filters, in the list's order: the list and its export go through this one function."""
    if whole_number(args["cohort"]) is not None:
        query = query.where(Registration.cohort_id == whole_number(args["cohort"]))
    if args["status"] in STATUSES:
        query = query.where(status_condition(args["status"], today))
    if args["where"] == "in_city":
        query = query.where(Organisation.in_city.is_(True))
    elif args["where"] == "outside":
        query = query.where(Organisation.in_city.is_(False))
    if args["notices"] == "open":
        query = query.where(open_notices > 0)
    if args["q"]:
        query = query.where(_search(args["q"]))
    return query.order_by(Cohort.number.desc(), Registration.sequence)


@bp.get("/")
@access("staff")
def index():
    """Every registration, filtered by cohort, status, location, open change notices, and
    searched by number or name; one query per page (the total comes with the rows)."""
    args = _list_args()
    today = today_jst()
    open_notices = _open_notices()
    query = (select(Registration, open_notices.label("open_notices"), func.count().over().label("total"))
             .join(Registration.organisation).join(Registration.cohort)
             .options(contains_eager(Registration.organisation), contains_eager(Registration.cohort)))
    rows, page = page_of(_filtered(query, args, today, open_notices), PAGE_SIZE)
    items = []
    for registration, notices, _total in rows:
        status = documents.status_on(registration, today)
        items.append(Row(registration, status, str(documents.STATUS_TITLES[status]), notices))
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.number.desc())).all()
    return render_template("registrations/staff_index.html", page=Page(items, page.page, PAGE_SIZE, page.total),
                           args=args, cohorts=cohorts,
                           statuses=[(s, str(documents.STATUS_TITLES[s])) for s in STATUSES],
                           export_args={name: value for name, value in args.items() if value})


# --- the list's export -------------------------------------------------------------------------

def _export_columns() -> list[tuple[str, str]]:
    return [
        ("number", _("Registration number")), ("name", _("Name of the organisation")),
        ("kana", _("Name in katakana")), ("corporate_number", _("Corporate number")),
        ("municipality_code", _("Municipality code")), ("municipality", _("Municipality")),
        ("in_city", _("Inside Kumamoto City")), ("industry", _("Industry")), ("cohort", _("Cohort")),
        ("registered_on", _("Registered on")), ("valid_until", _("Valid until")), ("status", _("Status")),
        ("ended_on", _("Ended on")), ("end_reason", _("End reason")),
    ]


@bp.get("/export.<any(csv, xlsx):fmt>")
@access("staff")
def export(fmt: str):
    """The list as filtered on the page (the same query-string arguments), every page of it, as
    CSV or XLSX. One query whatever the number of rows: the names come from joins, the status
    is worked out from the row by `documents.status_on` (the rule the status filter follows in
    SQL) and the labels are looked up here, in the user's language."""
    args = _list_args()
    today = today_jst()
    query = _filtered(
        select(Registration.number, Organisation.name, Organisation.name_kana, Organisation.corporate_number,
               Organisation.municipality_code, Organisation.in_city, Organisation.industry,
               Cohort.number.label("cohort"), Registration.registered_on, Registration.valid_until,
               Registration.state, Registration.ended_on, Registration.end_reason)
        .select_from(Registration).join(Registration.organisation).join(Registration.cohort),
        args, today, _open_notices())
    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("registrations-%(stamp)s", stamp=stamp), _export_columns(),
                           query_rows(query, _export_row(today), batch=EXPORT_BATCH), fmt)


def _export_row(today: date):
    """A row's cells from a result row; every label is translated now (the CSV's rows are read
    after the view has returned, outside the request)."""
    yes, no = _("Yes"), _("No")
    statuses = {status: str(documents.STATUS_TITLES[status]) for status in STATUSES}
    municipalities = {m.code: municipality_name(m.code) for m in MUNICIPALITIES}
    industries = {i.code: industry_name(i.code) for i in INDUSTRIES}

    def convert(row) -> dict:
        return {
            "number": row.number, "name": row.name, "kana": row.name_kana,
            "corporate_number": row.corporate_number or "", "municipality_code": row.municipality_code or "",
            "municipality": municipalities.get(row.municipality_code, row.municipality_code or ""),
            "in_city": yes if row.in_city else no, "industry": industries.get(row.industry, row.industry or ""),
            "cohort": row.cohort, "registered_on": row.registered_on, "valid_until": row.valid_until,
            "status": statuses[documents.status_on(row, today)], "ended_on": row.ended_on,
            "end_reason": row.end_reason or "",
        }

    return convert


@bp.get("/notices")
@access("staff")
def notices():
    """Change notices (変更届), the ones waiting for the secretariat first."""
    state = request.args.get("state") or ChangeNoticeState.FILED.value
    query = (select(ChangeNotice, Registration, User.name, func.count().over())
             .join(ChangeNotice.registration)
             .outerjoin(User, User.id == ChangeNotice.filed_by_id)
             .order_by(ChangeNotice.filed_at.desc(), ChangeNotice.id.desc()))
    if state in {s.value for s in ChangeNoticeState}:
        query = query.where(ChangeNotice.state == state)
    else:
        state = "all"
    rows, page = page_of(query, PAGE_SIZE)  # (notice, registration with its organisation and cohort, filer's name, total)
    return render_template("registrations/staff_notices.html", page=page, rows=rows, state=state,
                           states=list(ChangeNoticeState), change_rows=operations.change_rows)


# --- one registration --------------------------------------------------------------------------

EVENTS = {
    "registration.withdrawn": _l("Withdrawn by the registrant"),
    "registration.revoked": _l("Revoked by the secretariat"),
    "registration.reminded": _l("Reminder sent to the members: the term ends within six months"),
    "registration.reminded.1m": _l("Reminder sent to the members: the term ends within one month"),
    "change_notice.filed": _l("Change notice filed"),
    "change_notice.accepted": _l("Change notice accepted: the details changed and the certificate was reissued"),
    "change_notice.returned": _l("Change notice returned to the registrant"),
}


@dataclass(frozen=True)
class Event:
    at: datetime
    text: str
    actor: str | None
    detail: str | None = None


def timeline(registration: Registration) -> list[Event]:
    """The registration's audit entries and those of its change notices, oldest first, each
    with who did it (one query), after the decision that created it."""
    notice_ids = select(ChangeNotice.id).where(ChangeNotice.registration_id == registration.id)
    rows = db.session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(or_(and_(AuditEntry.object_type == Registration.__tablename__,
                        AuditEntry.object_id == registration.id),
                   and_(AuditEntry.object_type == ChangeNotice.__tablename__,
                        AuditEntry.object_id.in_(notice_ids))))
        .order_by(AuditEntry.id)).all()
    events = [Event(registration.created_at, _("Registered by the decision of %(cohort)s", cohort=registration.cohort.title),
                    None)]
    for entry, actor in rows:
        changes = entry.changes or {}
        key = "registration.reminded.1m" if entry.action == "registration.reminded" and changes.get(
            "reminder") == "1m" else entry.action
        text = str(EVENTS.get(key, entry.action))
        detail = None
        if entry.action in ("registration.withdrawn", "registration.revoked"):
            detail = changes.get("reason")
        elif entry.action == "registration.reminded":
            ends = changes.get("valid_until")
            detail = ngettext("The term ends on %(date)s; %(num)s person was mailed.",
                              "The term ends on %(date)s; %(num)s people were mailed.", changes.get("recipients", 0),
                              date=display_date(date.fromisoformat(ends)) if ends else "—")
        elif entry.action == "change_notice.filed":
            detail = ", ".join(str(row["title"]) for row in operations.change_rows(changes.get("changes") or {}))
        elif entry.action.startswith("change_notice."):
            detail = changes.get("response")
        events.append(Event(entry.created_at, text, actor, detail))
    return events


def _registration(registration_id: int) -> Registration:
    return db.get_or_404(Registration, registration_id)


@bp.get("/<int:registration_id>")
@access("staff")
def show(registration_id: int):
    return _render(_registration(registration_id))


def _render(registration: Registration):
    today = today_jst()
    notices = db.session.scalars(select(ChangeNotice).where(ChangeNotice.registration_id == registration.id)
                                 .order_by(ChangeNotice.id.desc())).all()
    people = {n.filed_by_id for n in notices} | {n.handled_by_id for n in notices}
    people.discard(None)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all()) if people else {}
    versions = details.history(registration.id)
    return render_template(
        "registrations/staff_show.html", registration=documents.facts(registration, today, versions),
        record=registration, organisation=registration.organisation, notices=notices, names=names, versions=versions,
        events=timeline(registration), change_rows=operations.change_rows,
        may_revoke=may(current_user, "registration.manage", registration) and operations.is_live(registration, today),
    )


@bp.route("/<int:registration_id>/revoke", methods=["GET", "POST"])
@form_view
@access("registration.manage")
def revoke(registration_id: int):
    """取消 — the secretariat revokes a registration: a reason and a confirmation."""
    registration = _registration(registration_id)
    if not operations.is_live(registration, today_jst()):
        flash(operations.error_text(operations.RegistrationError("not_active")), "error")
        return redirect(url_for("staff_registrations.show", registration_id=registration.id))
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            operations.revoke_registration(registration, current_user, form.reason.data)
        except operations.RegistrationError as error:
            db.session.rollback()
            flash(operations.error_text(error), "error")
        else:
            db.session.commit()
            flash(_("Registration %(number)s was revoked; its members were notified by e-mail.",
                    number=registration.number), "success")
        return redirect(url_for("staff_registrations.show", registration_id=registration.id))
    return render_template("registrations/staff_revoke.html", registration=registration, form=form), \
        form.status_code


def _notice(notice_id: int) -> ChangeNotice:
    return db.session.get(ChangeNotice, notice_id) or abort(404)


def _render_notice(notice: ChangeNotice, accept_form=None, return_form=None, status: int = 200):
    """One change notice: the details before and after side by side, the document, and the
    secretariat's two answers while it waits."""
    registration = notice.registration
    people = {notice.filed_by_id, notice.handled_by_id} - {None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all()) if people else {}
    answering = notice.state == ChangeNoticeState.FILED and may(current_user, "registration.manage", registration)
    return render_template(
        "registrations/staff_notice.html", notice=notice, record=registration, organisation=registration.organisation,
        registration=documents.facts(registration, today_jst()), names=names,
        rows=operations.change_rows(notice.changes or {}),
        accept_form=(accept_form or AcceptNoticeForm(formdata=None)) if answering else None,
        return_form=(return_form or ReturnNoticeForm(formdata=None)) if answering else None,
    ), status


@bp.get("/notices/<int:notice_id>")
@access("staff")
def notice(notice_id: int):
    return _render_notice(_notice(notice_id))


def _answer(notice: ChangeNotice, form, act, done: str):
    """Validate an answer to a notice and call its operation; the page again on bad input."""
    here = url_for("staff_registrations.notice", notice_id=notice.id)
    if notice.state != ChangeNoticeState.FILED:
        flash(operations.error_text(operations.RegistrationError("notice_handled")), "error")
        return redirect(here)
    if not form.validate_on_submit():
        forms = {"accept_form": form} if isinstance(form, AcceptNoticeForm) else {"return_form": form}
        return _render_notice(notice, **forms, status=form.status_code)
    try:
        act()
    except operations.RegistrationError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(here)


@bp.post("/notices/<int:notice_id>/accept")
@form_view
@access("registration.manage")
def accept_notice(notice_id: int):
    """Accept a change notice: the details change and the certificate is reissued."""
    notice = _notice(notice_id)
    form = AcceptNoticeForm()
    return _answer(notice, form, lambda: operations.accept_change_notice(notice, current_user, form.message.data or ""),
                   _("The change notice was accepted: the registrant's details changed from today and the "
                     "certificate was reissued. The registrant was notified by e-mail."))


@bp.post("/notices/<int:notice_id>/return")
@form_view
@access("registration.manage")
def return_notice(notice_id: int):
    """Return a change notice with the reason; nothing changes."""
    notice = _notice(notice_id)
    form = ReturnNoticeForm()
    return _answer(notice, form, lambda: operations.return_change_notice(notice, current_user, form.reason.data or ""),
                   _("The change notice was returned; the registrant was notified by e-mail."))
