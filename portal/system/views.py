"""/staff/system: what the secretariat checks when mail does not arrive or a page failed."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.core import outbox
from portal.core.extensions import db
from portal.core.forms import PortalForm
from portal.core.permissions import access
from portal.system import queries

bp = Blueprint("system", __name__, url_prefix="/staff/system")


class RetryForm(PortalForm):
    """Retry the ticked mails now (only the CSRF token; the ids come as `mail` values)."""


@bp.get("/")
@access("system.view")
def index():
    return render_template("system/index.html", outbox=queries.outbox(), errors=queries.recent_errors(),
                           software=queries.software(), form=RetryForm())


@bp.post("/mail/retry")
@access("system.view")
def retry_mail():
    form = RetryForm()
    ids = sorted({int(value) for value in request.form.getlist("mail") if value.isdigit()})
    if form.validate_on_submit() and ids:
        count = outbox.retry_now(ids)
        db.session.commit()
        flash(ngettext("%(num)s mail will be sent again now.", "%(num)s mails will be sent again now.", count),
              "success")
    elif form.validate_on_submit():
        flash(_("Tick the mails to send again."), "error")
    return redirect(url_for("system.index"))
