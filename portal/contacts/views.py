"""/staff/contacts: each office keeps its own contact block.

The prefecture's secretariat keeps its block ("contacts.prefecture"); Kumamoto City's staff keep
the logo office's ("contacts.city"), as they keep the KPI targets: the logo and its permits are
the city's, so the city says how it is reached. Each sees the other's block, read-only.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.contacts import blocks, operations
from portal.contacts.forms import ContactBlockForm
from portal.contacts.models import ContactKey
from portal.core.extensions import db
from portal.core.permissions import access
from portal.core.security import form_view

bp = Blueprint("contacts", __name__, url_prefix="/staff/contacts")


@bp.route("/prefecture", methods=["GET", "POST"])
@form_view
@access("contacts.prefecture")
def prefecture():
    return _edit(ContactKey.PREFECTURE, other=ContactKey.CITY)


@bp.route("/city", methods=["GET", "POST"])
@form_view
@access("contacts.city")
def city():
    return _edit(ContactKey.CITY, other=ContactKey.PREFECTURE)


def _edit(key: ContactKey, other: ContactKey):
    current = blocks.contact(key)
    form = ContactBlockForm(data={name: getattr(current, name) for name in blocks.FIELDS})
    if form.validate_on_submit():
        operations.save_block(key, {name: getattr(form, name).data for name in blocks.FIELDS}, current_user)
        db.session.commit()
        flash(_("The contact details were saved. Pages and new mails show them from now on."), "success")
        return redirect(url_for(f"contacts.{key}"))
    status = 400 if form.errors else 200
    return render_template("contacts/edit.html", form=form, key=key, current=current,
                           other=blocks.contact(other)), status
