"""The asker's pages: ask a question (signed in, or as a visitor with a confirmed address), the
list of one's inquiries, and a thread to read and reply in (a visitor's through the link of
their mails).

Questions are limited per client (INQUIRIES_PER_CLIENT) and, from visitors, per e-mail address
(INQUIRIES_PER_ADDRESS), since each sends that address a mail; visitors' replies per client
(INQUIRY_REPLIES_PER_CLIENT). Views parse, ask permissions, call one operation, commit, flash.
"""
from __future__ import annotations

import unicodedata

from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.extensions import db, limiter
from portal.core.i18n import current_locale
from portal.core.permissions import access, public, require
from portal.core.security import form_view
from portal.inquiries import operations
from portal.inquiries.forms import AskForm, ReplyForm
from portal.inquiries.models import Inquiry, InquiryCategory, InquiryState

bp = Blueprint("inquiries", __name__, url_prefix="/inquiries")


def _address_key() -> str:
    """Visitors' questions count against the address they give (its confirmation mails);
    an account's against the account."""
    if current_user.is_authenticated:
        return f"inquiry-user:{current_user.id}"
    return "inquiry-address:" + unicodedata.normalize("NFKC", request.form.get("email") or "").strip().lower()[:254]


def _asked() -> None:
    """Count this question against its address's limit (refused forms do not: they mail nobody)."""
    g.inquiry_asked = True


def _about_choices() -> list[tuple[str, str]]:
    """The signed-in applicant's applications and registrations, to tie the question to one."""
    from portal.applications.models import Application
    from portal.registrations.models import Registration

    membership = getattr(current_user, "membership", None)
    if membership is None:
        return []
    organisation_id = membership.organisation_id
    applications = db.session.scalars(select(Application).where(Application.organisation_id == organisation_id)
                                      .order_by(Application.id.desc())).all()
    registrations = db.session.scalars(select(Registration).where(Registration.organisation_id == organisation_id)
                                       .order_by(Registration.id.desc())).all()
    return ([(f"registration:{r.id}", _("Registration %(number)s", number=r.number)) for r in registrations]
            + [(f"application:{a.id}", _("Application for %(cohort)s (%(state)s)", cohort=a.cohort.title,
                                         state=a.state.public_title)) for a in applications])


def _question(form: AskForm) -> operations.Question:
    about = form.about.data if "about" in form else ""
    kind, _sep, number = (about or "").partition(":")
    return operations.Question(
        category=InquiryCategory(form.category.data), subject=form.subject.data, body=form.body.data,
        application_id=int(number) if kind == "application" else None,
        registration_id=int(number) if kind == "registration" else None)


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INQUIRIES_PER_CLIENT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["INQUIRIES_PER_ADDRESS"], key_func=_address_key, methods=["POST"],
               deduct_when=lambda response: g.get("inquiry_asked", False))
@form_view
@public
def new():
    """Ask a question. Signed in: it is the account's, open at once. A visitor: it waits until
    the address is confirmed by the link we mail there."""
    signed_in = current_user.is_authenticated
    if signed_in:
        require("inquiry.ask")
    choices = _about_choices() if signed_in else []
    form = AskForm(signed_in=signed_in, about_choices=choices)
    if request.method == "GET":
        if request.args.get("category") in {c.value for c in InquiryCategory}:
            form.category.data = request.args["category"]
        for kind in ("application", "registration"):
            wanted = f"{kind}:{request.args.get(kind)}"
            if "about" in form and wanted in dict(choices):
                form.about.data = wanted
    # An account's receipt greets it by the name it typed: only once its address is confirmed
    # (a visitor's is confirmed by the link of a mail that names nobody).
    unverified = signed_in and not current_user.email_verified
    if not unverified and form.validate_on_submit():
        question = _question(form)
        _asked()
        if signed_in:
            inquiry = operations.ask(question, current_locale(), user=current_user)
            db.session.commit()
            flash(_("Your question was sent (reference %(reference)s). We will tell you by e-mail when it is "
                    "answered.", reference=inquiry.reference), "success")
            return redirect(url_for("inquiries.show", inquiry_id=inquiry.id))
        inquiry = operations.ask(question, current_locale(), name=form.name.data, email=form.email.data)
        db.session.commit()
        return render_template("inquiries/check_mail.html", email=inquiry.email, reference=inquiry.reference)
    return render_template("inquiries/new.html", form=form, unverified=unverified), form.status_code


@bp.get("/")
@access("inquiry.ask")
def mine():
    """The account's inquiries, the most recent activity first."""
    inquiries = db.session.scalars(select(Inquiry).where(Inquiry.user_id == current_user.id)
                                   .order_by(Inquiry.last_message_at.desc())).all()
    return render_template("inquiries/mine.html", inquiries=inquiries)


def _render_thread(inquiry: Inquiry, form: ReplyForm, action: str, status: int = 200):
    messages = [message for message in inquiry.messages if not message.internal]
    return render_template("inquiries/thread.html", inquiry=inquiry, messages=messages, form=form,
                           action=action, signed_in=inquiry.user_id is not None), status


@bp.route("/<int:inquiry_id>", methods=["GET", "POST"])
@form_view
@access("signed_in")  # the object's rule decides: anyone but its asker gets a 404
def show(inquiry_id: int):
    """One's inquiry: the thread (without staff's internal notes) and the reply form."""
    inquiry = db.session.get(Inquiry, inquiry_id) or abort(404)
    require("inquiry.view", inquiry)
    form = ReplyForm()
    if form.validate_on_submit():
        operations.reply(inquiry, form.body.data, user=current_user)
        db.session.commit()
        flash(_("Your reply was sent. We will tell you by e-mail when it is answered."), "success")
        return redirect(url_for("inquiries.show", inquiry_id=inquiry.id))
    return _render_thread(inquiry, form, url_for("inquiries.show", inquiry_id=inquiry.id),
                          form.status_code if request.method == "POST" else 200)


@bp.route("/t/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INQUIRY_REPLIES_PER_CLIENT"], methods=["POST"])
@form_view
@public
def thread(token: str):
    """A visitor's thread, through the link of a mail to them. The first visit confirms the
    address: the question then reaches the office."""
    inquiry = operations.inquiry_for_token(token)
    if inquiry is None or inquiry.user_id is not None:
        return _private(make_response(render_template("inquiries/link_invalid.html"), 404))
    if inquiry.state == InquiryState.UNCONFIRMED and request.method == "GET":
        if operations.confirm(inquiry):
            db.session.commit()
            flash(_("Thank you: your address is confirmed and your question was sent (reference %(reference)s).",
                    reference=inquiry.reference), "success")
    form = ReplyForm()
    if inquiry.state != InquiryState.UNCONFIRMED and form.validate_on_submit():
        operations.reply(inquiry, form.body.data)
        db.session.commit()
        flash(_("Your reply was sent. We will tell you by e-mail when it is answered."), "success")
        return _private(redirect(url_for("inquiries.thread", token=token)))
    return _private(make_response(_render_thread(inquiry, form, url_for("inquiries.thread", token=token),
                                                 form.status_code if request.method == "POST" else 200)))


def _private(response):
    """A visitor's thread is theirs, though they are not signed in: kept by no cache."""
    response.cache_control.no_store = True
    return response
