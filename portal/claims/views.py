"""The claimant's pages: claim an imported registration with a letter's code (at once) or by a
request the secretariat approves.

Wrong identifying details and wrong codes count as failures against the account and the client
(CLAIM_FAILURES_PER_USER, CLAIM_FAILURES_PER_CLIENT, in the rate-limit storage, like failed
sign-ins); only failures count, so a claimant correcting a typo in a phone number never meets
the limit. Views parse, ask permissions, call one operation of `portal.claims.operations`,
commit, flash.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select

from portal.claims import operations
from portal.claims.forms import ClaimCodeForm, ClaimRequestForm
from portal.claims.models import RegistrationClaim
from portal.core import failure_limits
from portal.core.extensions import db
from portal.core.permissions import access
from portal.core.security import form_view

bp = Blueprint("claims", __name__, url_prefix="/claim")

# Failures named by these codes are guesses: they count against the limits.
GUESSES = {"no_match", "wrong_code", "expired_code", "used_code", "claimed"}


def _account_key() -> str:
    # The account's id, not get_id() (its session token): signing in again must not reset the
    # count, and a token has no place in the storage's key names.
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


# Failed claims (POST) per account and per client; over either limit, a 429.
limited = failure_limits.failures_only("claim", [
    ("CLAIM_FAILURES_PER_CLIENT", "claim-client", None),
    ("CLAIM_FAILURES_PER_USER", "claim-user", _account_key),
])


def _refused(error: operations.ClaimError) -> str:
    if error.code in GUESSES:
        failure_limits.failed("claim")
    return operations.error_text(error)


@bp.get("/")
@access("claim.make")
def start():
    """What claiming is, the two ways to do it, and the account's claims so far."""
    claims = db.session.scalars(select(RegistrationClaim).where(RegistrationClaim.user_id == current_user.id)
                                .order_by(RegistrationClaim.id.desc())).all()
    return render_template("claims/start.html", claims=claims, waiting=operations.waiting_claim_of(current_user))


@bp.route("/code", methods=["GET", "POST"])
@form_view
@access("claim.make")
@limited
def code():
    """Claim with the code of a claim letter: a valid code makes the account the owner at once."""
    form = ClaimCodeForm()
    if current_user.email_verified and form.validate_on_submit():
        try:
            claimed = operations.claim_with_code(form.number.data, form.code.data, current_user,
                                                 form.completed())
        except operations.ClaimError as error:
            db.session.rollback()
            field = form.number if error.code in ("claimed", "has_organisation") else form.code
            field.errors = [*field.errors, _refused(error)]
        else:
            db.session.commit()
            registration = claimed.registration
            flash(_("You are now the owner of %(name)s's registration %(number)s. A confirmation was sent to you "
                    "by e-mail.", name=registration.organisation.name, number=registration.number), "success")
            _flash_representative(claimed.representative)
            return redirect(url_for("registrations.show", registration_id=registration.id))
    return render_template("claims/code.html", form=form), form.status_code


def _flash_representative(representative: operations.Representative) -> None:
    """Say what became of a representative that differs from the certified one."""
    if representative.filed is not None:
        flash(_("The representative you gave differs from the one the registration certifies, which was not "
                "changed: a change notice was filed for the secretariat, who will accept it or return it."), "info")
    elif representative.kept:
        flash(_("The representative you gave differs from the one the registration certifies, which was kept: "
                "the registration's term has ended, so give the new representative when you apply to renew it."),
              "info")


@bp.route("/request", methods=["GET", "POST"])
@form_view
@access("claim.make")
@limited
def request_claim():
    """Ask the secretariat to approve a claim, identifying the registration by its number and
    its 法人番号 (or its name and postal code)."""
    waiting = operations.waiting_claim_of(current_user)
    form = ClaimRequestForm()
    if waiting is None and current_user.email_verified and form.validate_on_submit():
        registration = operations.find_claimable(form.number.data, form.corporate_number.data, form.name.data,
                                                 form.postal_code.data)
        try:
            if registration is None:
                raise operations.ClaimError("no_match")
            operations.request_claim(registration, current_user, form.completed(), form.note.data)
        except operations.ClaimError as error:
            db.session.rollback()
            form.number.errors = [*form.number.errors, _refused(error)]
        else:
            db.session.commit()
            flash(_("Your request was sent to the secretariat, who will answer by e-mail."), "success")
            return redirect(url_for("claims.start"))
    return render_template("claims/request.html", form=form, waiting=waiting), form.status_code
