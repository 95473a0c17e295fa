"""The secretariat's pages of claims: per cohort, how many registrants are claimed, waiting or
unclaimed (with the claim letters to print); the registrants by that status (CSV/XLSX); a
waiting claim with what the claimant completed, approved or refused.

Views parse, ask permissions, call one operation of `portal.claims.operations`, commit, flash.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, case, exists, func, or_, select

from portal.accounts.models import User
from portal.claims import letters, operations
from portal.claims.forms import APPROVE, DecisionForm, LettersForm
from portal.claims.models import ClaimState, RegistrationClaim
from portal.cohorts.models import Cohort
from portal.core import japanese
from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.i18n import jst
from portal.core.paging import Page, contains, page_of
from portal.core.permissions import access
from portal.core.security import form_view
from portal.organisations.models import Membership, Organisation
from portal.registrations.documents import normalise_number
from portal.registrations.models import Registration

bp = Blueprint("staff_claims", __name__, url_prefix="/staff/claims")

PAGE_SIZE = 50
CLAIMED, WAITING, UNCLAIMED = "claimed", "waiting", "unclaimed"
STATUSES = (CLAIMED, WAITING, UNCLAIMED)


def status_titles() -> dict[str, str]:
    return {CLAIMED: _("Claimed"), WAITING: _("Claim waiting"), UNCLAIMED: _("Unclaimed")}


def _has_member():
    # Correlated to the registration only: the lists also join the owner's membership.
    return exists().where(Membership.organisation_id == Registration.organisation_id).correlate(Registration)


def _has_waiting():
    return exists().where(RegistrationClaim.registration_id == Registration.id,
                          RegistrationClaim.state == ClaimState.WAITING).correlate(Registration)


def _status():
    """claimed (the organisation has a member), waiting (a claim waits for the secretariat) or
    unclaimed, in SQL."""
    return case((_has_member(), CLAIMED), (_has_waiting(), WAITING), else_=UNCLAIMED)


@dataclass(frozen=True)
class CohortCount:
    cohort: Cohort
    total: int
    claimed: int
    waiting: int

    @property
    def unclaimed(self) -> int:
        return self.total - self.claimed - self.waiting

    @property
    def without_owner(self) -> int:
        return self.total - self.claimed


@bp.get("/")
@access("claims.manage")
def index():
    """Per cohort: registrants claimed, waiting and unclaimed, and the letters to print; then the
    claims waiting for the secretariat, oldest first."""
    status = _status()
    rows = db.session.execute(
        select(Cohort, func.count(Registration.id), func.sum(case((status == CLAIMED, 1), else_=0)),
               func.sum(case((status == WAITING, 1), else_=0)))
        .join(Registration, Registration.cohort_id == Cohort.id).group_by(Cohort.id).order_by(Cohort.number)).all()
    counts = [CohortCount(cohort, total, claimed or 0, waiting or 0) for cohort, total, claimed, waiting in rows]
    waiting = db.session.execute(
        select(RegistrationClaim, Registration, User)
        .join(Registration, Registration.id == RegistrationClaim.registration_id)
        .join(User, User.id == RegistrationClaim.user_id)
        .where(RegistrationClaim.state == ClaimState.WAITING).order_by(RegistrationClaim.created_at)).all()
    return render_template("claims/staff_index.html", counts=counts, waiting=waiting, letters_form=LettersForm())


# --- the registrants by claim status ------------------------------------------------------------

def _args() -> dict[str, str]:
    return {name: (request.args.get(name) or "").strip()[:100] for name in ("cohort", "status", "q")}


def _owner_join(query):
    return (query.outerjoin(Membership, and_(Membership.organisation_id == Registration.organisation_id,
                                             Membership.is_owner.is_(True)))
            .outerjoin(User, User.id == Membership.user_id))


def _filtered(query, args: dict[str, str], status):
    if whole_number(args["cohort"]) is not None:
        query = query.where(Registration.cohort_id == whole_number(args["cohort"]))
    if args["status"] in STATUSES:
        query = query.where(status == args["status"])
    if args["q"]:
        number = normalise_number(japanese.normalize(args["q"]))
        query = query.where(Registration.number == number if number else or_(
            Organisation.search_key.like(contains(japanese.search_key(args["q"])), escape="\\"),
            Registration.number.ilike(contains(args["q"].upper()), escape="\\")))
    return query.order_by(Cohort.number, Registration.sequence)


@bp.get("/registrants")
@access("claims.manage")
def registrants():
    """The registrants by cohort and claim status, searched by number or name; one query a page."""
    args = _args()
    status = _status()
    query = _owner_join(
        select(Registration, status.label("status"), User, Membership.created_at, func.count().over())
        .join(Registration.organisation).join(Registration.cohort))
    rows, page = page_of(_filtered(query, args, status), PAGE_SIZE)
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.number)).all()
    return render_template("claims/staff_registrants.html", page=Page(rows, page.page, PAGE_SIZE, page.total),
                           args=args, cohorts=cohorts, titles=status_titles(),
                           export_args={name: value for name, value in args.items() if value})


def _export_columns() -> list[tuple[str, str]]:
    return [("number", _("Registration number")), ("cohort", _("Cohort")), ("name", _("Name of the organisation")),
            ("kind", _("Kind of organisation")), ("corporate_number", _("Corporate number")),
            ("postal_code", _("Postal code")), ("address", _("Address")), ("status", _("Claim status")),
            ("owner", _("Owner")), ("owner_email", _("Owner's e-mail address")), ("claimed_at", _("Claimed on"))]


@bp.get("/registrants.<any(csv, xlsx):fmt>")
@access("claims.manage")
def export(fmt: str):
    """The registrants as filtered on the page, every page, as CSV or XLSX (one query)."""
    args = _args()
    status = _status()
    query = _owner_join(
        select(Registration.number, Cohort.number.label("cohort"), Organisation.name, Organisation.kind,
               Organisation.corporate_number, Organisation.postal_code, Organisation.address,
               status.label("status"), User.name.label("owner"), User.email.label("owner_email"),
               Membership.created_at.label("claimed_at"))
        .select_from(Registration).join(Registration.organisation).join(Registration.cohort))
    titles = status_titles()
    from portal.organisations.models import OrganisationKind

    kinds = {kind.value: kind.title for kind in OrganisationKind}

    def convert(row) -> dict:
        return {"number": row.number, "cohort": row.cohort, "name": row.name,
                "kind": kinds.get(str(row.kind.value if hasattr(row.kind, "value") else row.kind), ""),
                "corporate_number": row.corporate_number or "", "postal_code": row.postal_code,
                "address": row.address, "status": titles[row.status], "owner": row.owner or "",
                "owner_email": row.owner_email or "", "claimed_at": row.claimed_at}

    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("claims-%(stamp)s", stamp=stamp), _export_columns(),
                           query_rows(_filtered(query, args, status), convert, batch=500), fmt)


# --- claim letters ------------------------------------------------------------------------

@bp.post("/cohorts/<int:cohort_id>/letters")
@form_view
@access("claims.manage")
def print_letters(cohort_id: int):
    """Make the claim letters of the cohort's registrants without an owner (new codes; earlier
    unused ones stop working) and download them as one PDF."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = LettersForm()
    if not form.validate_on_submit():
        flash(_("This page had been open too long. Please print the letters again."), "error")
        return redirect(url_for("staff_claims.index"))
    pdf, count = letters.make_letters(cohort, current_user)
    if not count:
        db.session.rollback()
        flash(_("Every registrant of %(cohort)s has an owner: there is no letter to print.", cohort=cohort.title),
              "info")
        return redirect(url_for("staff_claims.index"))
    db.session.commit()
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"登録引継ぎのご案内_第{cohort.number}期.pdf", max_age=0)
    response.cache_control.no_store = True  # the codes are secrets: no copy in any cache
    return response


# --- one claim ------------------------------------------------------------------------------

def _claim(claim_id: int) -> RegistrationClaim:
    return db.session.get(RegistrationClaim, claim_id) or abort(404)


def _render(claim: RegistrationClaim, form: DecisionForm | None = None, status: int = 200):
    registration = claim.registration
    others = db.session.scalars(select(RegistrationClaim).where(
        RegistrationClaim.registration_id == registration.id, RegistrationClaim.id != claim.id)
        .order_by(RegistrationClaim.id.desc())).all()
    decider = db.session.get(User, claim.decided_by_id) if claim.decided_by_id else None
    return render_template(
        "claims/staff_show.html", claim=claim, registration=registration, organisation=registration.organisation,
        owner=registration.organisation.owner, others=others, decider=decider,
        form=form or (DecisionForm(formdata=None) if claim.state == ClaimState.WAITING else None),
        fields=_completed_fields()), status


def _completed_fields() -> list[tuple[str, str]]:
    return [("representative_title", _("Representative's title")), ("representative_name", _("Representative's name")),
            ("contact_name", _("Contact person's name")), ("contact_department", _("Department")),
            ("contact_phone", _("Phone")), ("contact_email", _("Contact e-mail address"))]


@bp.get("/<int:claim_id>")
@access("claims.manage")
def show(claim_id: int):
    return _render(_claim(claim_id))


@bp.post("/<int:claim_id>")
@form_view
@access("claims.manage")
def decide(claim_id: int):
    """Approve a waiting claim (the claimant becomes the owner) or refuse it with a reason."""
    claim = _claim(claim_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render(claim, form, form.status_code if form.csrf_failed else 200)
    try:
        if form.decision.data == APPROVE:
            operations.approve_claim(claim, current_user)
            message = _("The claim was approved: %(name)s is now the owner. They were notified by e-mail.",
                        name=claim.user.name)
        else:
            operations.refuse_claim(claim, current_user, form.reason.data)
            message = _("The claim was refused; the claimant was notified by e-mail.")
    except operations.ClaimError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("staff_claims.show", claim_id=claim.id))
