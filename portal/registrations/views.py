"""Registration pages: the public verification page (what the certificate's QR code opens),
the registrant's page and the certificate (登録証)."""
from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file, url_for
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.links import external_url
from portal.core.permissions import access, public, require
from portal.registrations import documents
from portal.registrations.models import Registration

bp = Blueprint("registrations", __name__)


@bp.get("/verify/<number>")
@public
def verify(number: str):
    """Anyone (a business partner, a bank, a citizen) checks a registration number."""
    canonical = documents.normalise_number(number)
    registration = canonical and db.session.scalar(select(Registration).where(Registration.number == canonical))
    if not registration:
        return render_template("registrations/not_found.html", number=canonical), 404
    facts = documents.facts(registration, today_jst())
    return render_template("registrations/verify.html", registration=facts,
                           canonical_url=external_url("registrations.verify", number=registration.number))


def _registration(registration_id: int) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    require("registration.view", registration)
    return registration


@bp.get("/registrations/<int:registration_id>")
@access("signed_in")
def show(registration_id: int):
    """The registrant's own registration (and staff's view of it)."""
    registration = _registration(registration_id)
    verify_url = external_url("registrations.verify", number=registration.number)
    return render_template("registrations/show.html", registration=documents.facts(registration, today_jst()),
                           record=registration, verify_url=verify_url,
                           verify_path=url_for("registrations.verify", number=registration.number),
                           qr_code=documents.qr_data_uri(verify_url))


@bp.get("/registrations/<int:registration_id>/certificate.pdf")
@access("signed_in")
def certificate(registration_id: int):
    registration = _registration(registration_id)
    pdf, digest = documents.certificate(registration, today_jst())
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"熊本県SDGs登録証_{registration.number}.pdf", etag=digest, max_age=0)
    response.cache_control.private = True
    return response
