"""The offices' pages of inquiries: the list (those waiting for an answer first, the newest
first), a thread with its answer, internal notes and closing. Each office sees its own: the
prefecture's staff the secretariat's, the city's staff the logo questions.

Views parse, ask permissions, call one operation of `portal.inquiries.operations`, commit, flash.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.core.paging import Page, page_of
from portal.core.permissions import access, answering_offices, require
from portal.core.security import form_view
from portal.inquiries import operations
from portal.inquiries.forms import ANSWER, AnswerForm, AssignForm, CloseForm
from portal.inquiries.models import Inquiry, InquiryState
from portal.inquiries.queries import answerers

bp = Blueprint("staff_inquiries", __name__, url_prefix="/staff/inquiries")

PAGE_SIZE = 50
LISTED = (InquiryState.OPEN, InquiryState.ANSWERED, InquiryState.CLOSED)
FILTERS = ("waiting", "mine", "answered", "closed", "all")


@bp.get("/")
@access("inquiries.answer")
def index():
    """The office's inquiries: by default those waiting for an answer, the newest first; the
    answered, closed or all of them a filter away, with the count of each."""
    offices = answering_offices(current_user)
    shown = request.args.get("state") if request.args.get("state") in FILTERS else "waiting"
    counts = dict(db.session.execute(
        select(Inquiry.state, func.count()).where(Inquiry.office.in_(offices), Inquiry.state.in_(LISTED))
        .group_by(Inquiry.state)).all())
    query = (select(Inquiry, func.count().over()).where(Inquiry.office.in_(offices))
             .options(selectinload(Inquiry.assignee)))  # each row names its assignee
    if shown == "mine":  # waiting for an answer, assigned to the user
        query = query.where(Inquiry.state == InquiryState.OPEN, Inquiry.assignee_id == current_user.id).order_by(
            Inquiry.last_message_at.desc())
    elif shown == "all":
        query = query.where(Inquiry.state.in_(LISTED)).order_by(
            case((Inquiry.state == InquiryState.OPEN, 0), else_=1), Inquiry.last_message_at.desc())
    else:
        state = {"waiting": InquiryState.OPEN, "answered": InquiryState.ANSWERED, "closed": InquiryState.CLOSED}[shown]
        query = query.where(Inquiry.state == state).order_by(Inquiry.last_message_at.desc())
    rows, page = page_of(query, PAGE_SIZE)
    mine = db.session.scalar(select(func.count(Inquiry.id)).where(
        Inquiry.office.in_(offices), Inquiry.state == InquiryState.OPEN, Inquiry.assignee_id == current_user.id))
    return render_template("inquiries/staff_index.html", page=Page([row[0] for row in rows], page.page, PAGE_SIZE,
                                                                  page.total),
                           shown=shown, counts={**{str(state): counts.get(state, 0) for state in LISTED}, "mine": mine})


def _inquiry(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id) or abort(404)
    require("inquiry.answer", inquiry)
    return inquiry


def _assign_form(inquiry: Inquiry, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata, assignee=str(inquiry.assignee_id or ""))
    form.assignee.choices = [("", _("Nobody yet")), *((str(user.id), user.name) for user in answerers(inquiry.office))]
    return form


def _render(inquiry: Inquiry, form: AnswerForm | None = None, status: int = 200):
    form = form or AnswerForm(formdata=None)
    form.version.data = inquiry.version  # the thread as this page shows it
    return render_template("inquiries/staff_show.html", inquiry=inquiry, messages=inquiry.messages, form=form,
                           close_form=CloseForm(formdata=None, version=inquiry.version),
                           assign_form=_assign_form(inquiry)), status


# One inquiry's pages: the object's rule decides (anyone but its office's staff gets a 404).
@bp.get("/<int:inquiry_id>")
@access("signed_in")
def show(inquiry_id: int):
    return _render(_inquiry(inquiry_id))


def _seen(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@bp.post("/<int:inquiry_id>/answer")
@form_view
@access("signed_in")
def answer(inquiry_id: int):
    """Answer the asker (mailed to them) or add an internal note."""
    inquiry = _inquiry(inquiry_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render(inquiry, form, form.status_code)
    try:
        if form.kind.data == ANSWER:
            operations.answer(inquiry, form.body.data, current_user, _seen(form.version.data))
            message = _("Your answer was saved and is being sent to %(email)s.", email=inquiry.email)
        else:
            operations.note(inquiry, form.body.data, current_user)
            message = _("The note was saved. The asker does not see it.")
    except operations.InquiryChanged:
        db.session.rollback()
        db.session.refresh(inquiry)
        form.body.errors = [*form.body.errors, str(operations.CHANGED_TEXT)]
        return _render(inquiry, form, 409)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry.id))


@bp.post("/<int:inquiry_id>/assign")
@form_view
@access("signed_in")
def assign(inquiry_id: int):
    """Choose who answers the inquiry (one of its office's staff), or nobody."""
    from portal.accounts.models import User

    inquiry = _inquiry(inquiry_id)
    form = _assign_form(inquiry, request.form)
    if not form.validate_on_submit():
        flash(_("Choose one of the office's staff."), "error")
        return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry.id))
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    operations.assign(inquiry, assignee, current_user)
    db.session.commit()
    flash(_("The assignee was saved."), "success")
    return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry.id))


@bp.post("/<int:inquiry_id>/close")
@form_view
@access("signed_in")
def close(inquiry_id: int):
    """Close the inquiry (the asker may still write, which opens it again)."""
    inquiry = _inquiry(inquiry_id)
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("This page had been open too long. Please try again."), "error")
        return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry.id))
    try:
        operations.close(inquiry, current_user, _seen(form.version.data))
    except operations.InquiryChanged:
        db.session.rollback()
        flash(_("This inquiry changed since you opened it: read the thread again before closing it."), "error")
        return redirect(url_for("staff_inquiries.show", inquiry_id=inquiry.id))
    db.session.commit()
    flash(_("The inquiry was closed."), "success")
    return redirect(url_for("staff_inquiries.index"))
