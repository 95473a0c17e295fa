"""登録証 — the registration certificate — and the plain facts of a registration that the
verification page, the registrant's page and the certificate show.

The certificate is rendered from a plain dict (never ORM objects) and kept as a file named
after a hash of that dict: a repeat download sends the same bytes without rendering again,
and a change of the certified details (an accepted 変更届: 再交付), term or status, of the issuer
(title, name, seal) or of the registration mark's artwork makes a new certificate, the earlier
file being removed.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.core.atomic import replaced
from portal.core.links import external_url
from portal.core.pdf import render_pdf
from portal.registrations.models import RegistrationState

# Bump when the certificate's template or layout changes: every cached certificate is redone.
CERTIFICATE_LAYOUT = "4"
CERTIFICATE_TEMPLATE = "registrations/pdf/certificate.html"

NUMBER_PATTERN = re.compile(r"KS[0-9]{2}-[0-9]{4}", re.ASCII)
_MAX_INPUT = 64
# Dashes people type (or their input method produces) in place of the ASCII hyphen-minus.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ－"), "-")

ACTIVE, UPCOMING, EXPIRED = "active", "upcoming", "expired"
WITHDRAWN, REVOKED = RegistrationState.WITHDRAWN.value, RegistrationState.REVOKED.value

STATUS_TITLES = {
    ACTIVE: _l("Active"),
    UPCOMING: _l("Registered (the term has not begun yet)"),
    EXPIRED: _l("Expired"),
    WITHDRAWN: _l("Withdrawn by the registrant"),
    REVOKED: _l("Revoked"),
}


def normalise_number(text: str) -> str | None:
    """The canonical registration number (KS02-0137) for what someone typed or scanned —
    lowercase, full-width, with spaces or another dash — or None when it cannot be one."""
    if not text or len(text) > _MAX_INPUT:
        return None
    candidate = unicodedata.normalize("NFKC", text).translate(_DASHES).strip().upper()
    candidate = re.sub(r"\s+", "", candidate)
    return candidate if NUMBER_PATTERN.fullmatch(candidate) else None


def status_on(registration, day: date) -> str:
    """active, upcoming, expired, withdrawn or revoked — the registration's status on `day`."""
    state = RegistrationState(registration.state)
    if state != RegistrationState.ACTIVE and (registration.ended_on is None or day >= registration.ended_on):
        return state.value
    if day > registration.valid_until:
        return EXPIRED
    if day < registration.registered_on:
        return UPCOMING
    return ACTIVE


def facts(registration, today: date, versions: list | None = None) -> dict:
    """What anyone may know about a registration (the public verification page shows all of it):
    the certified details in force (the organisation's, for a registration without versions) and
    the earlier names with the day each was changed in the register. `versions`: its `history`,
    when the caller has read it already."""
    from portal.registrations import details

    status = status_on(registration, today)
    versions = details.history(registration.id) if versions is None else versions
    certified = details.in_force(versions) or registration.organisation
    return {
        "id": registration.id,
        "number": registration.number,
        "name": certified.name,
        "name_kana": certified.name_kana,
        "municipality_code": certified.municipality_code,
        "cohort": registration.cohort.number,
        "cohort_name": registration.cohort.display_name,  # 「令和4年度第2期」; None: 第N期
        "registered_on": registration.registered_on,
        "valid_until": registration.valid_until,
        "status": status,
        "status_title": str(STATUS_TITLES[status]),
        "ended_on": registration.ended_on if status in (WITHDRAWN, REVOKED) else None,
        "earlier_names": [{"name": version.name, "changed_on": following.valid_from}
                          for version, following in zip(versions, versions[1:]) if version.name != following.name],
        "today": today,
    }


def certificate_data(registration, today: date, certified=..., issuer: dict | None = None) -> dict:
    """The plain data the certificate is rendered from (and whose hash names the file): the
    certified details in force and, once a 変更届 has been accepted, the day it was (再交付).
    `certified`: the version in force (None: none), when the caller has read it already
    (`details.current_for`, for many registrations at once); `issuer`: the issuer's inputs
    (`portal.certificates.issuer.certificate_inputs`), read once for many certificates."""
    from portal.certificates.issuer import certificate_inputs
    from portal.registrations import details

    status = status_on(registration, today)
    if certified is ...:
        certified = details.current(registration)
    source = certified or registration.organisation
    reissued = certified is not None and certified.change_notice_id is not None
    return {
        "number": registration.number,
        "name": source.name,
        "representative": f"{source.representative_title}　{source.representative_name}".strip("　 "),
        "address": source.address,
        "cohort": registration.cohort.number,
        # Only when the cohort has a display name, so that unnamed cohorts' certificates keep their hash.
        **({"cohort_name": registration.cohort.display_name} if registration.cohort.display_name else {}),
        "registered_on": registration.registered_on.isoformat(),
        "valid_until": registration.valid_until.isoformat(),
        # The certificate only changes when the registration stops being valid.
        "status": ACTIVE if status == UPCOMING else status,
        "ended_on": registration.ended_on.isoformat() if status in (WITHDRAWN, REVOKED) and registration.ended_on else None,
        "reissued_on": certified.valid_from.isoformat() if reissued else None,
        "verify_url": external_url("registrations.verify", number=registration.number),
        **(issuer if issuer is not None else certificate_inputs()),
    }


def certificate_hash(data: dict) -> str:
    canonical = json.dumps({"layout": CERTIFICATE_LAYOUT, **data}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def certificate(registration, today: date) -> tuple[bytes, str]:
    """The certificate PDF and its hash; rendered once per distinct content, then reused."""
    return certificate_file(certificate_data(registration, today))


class CertificateSource(NamedTuple):
    """What a download of a registration's certificate needs: whose it is (`organisation_id`, as
    a Registration has it, for the permission check) and the data its file is named by."""

    organisation_id: int
    data: dict


def certificate_source(registration_id: int) -> CertificateSource | None:
    """The registration's certificate source today, or None when there is no such registration.
    Kept under the `certificates` data generation and the day (`page_cache.cached_value`), so a
    repeat download reads no row: any write to what a certificate shows moves the number."""
    from portal.certificates import mark
    from portal.core import generations, page_cache
    from portal.core.i18n import today_jst

    found = page_cache.cached_value(
        "certificate-source", areas=(generations.CERTIFICATES,),
        # Besides the database: the verification link's address, the registration mark's file.
        vary=(registration_id, current_app.config["PORTAL_BASE_URL"], mark.png_sha256()),
        compute=lambda: _source(registration_id, today_jst()) or False)
    return found or None


def _source(registration_id: int, today: date) -> CertificateSource | None:
    """(the registration, its certified details in force, the issuer's inputs) in one statement."""
    from portal.certificates.issuer import certificate_inputs
    from portal.core.extensions import db

    found = db.session.execute(_sources_statement(), {"registration_id": registration_id}).first()
    if found is None:
        return None
    registration, certified, issuer = found
    data = certificate_data(registration, today, certified, certificate_inputs(issuer))
    return CertificateSource(registration.organisation_id, data)


@functools.cache
def _sources_statement():
    """Built once: making the statement costs about as much as running it."""
    from sqlalchemy import bindparam, select

    from portal.certificates.models import IssuerSettings
    from portal.registrations.models import Registration, RegistrationDetails

    return (select(Registration, RegistrationDetails, IssuerSettings)
            .outerjoin(RegistrationDetails, (RegistrationDetails.registration_id == Registration.id)
                       & RegistrationDetails.valid_until.is_(None))
            .outerjoin(IssuerSettings, IssuerSettings.id == 1)  # the single row, if the secretariat saved one
            .where(Registration.id == bindparam("registration_id"))
            # As details.current: the latest open version.
            .order_by(RegistrationDetails.valid_from.desc(), RegistrationDetails.id.desc()).limit(1))


def certificate_path(data: dict) -> tuple[Path, str]:
    """The certificate's stored file and its hash, rendered first when there is none: what a
    download sends (by the app or by the front server, see portal.core.files). `data`: a
    `certificate_source`'s."""
    path, digest, _pdf = _cached(data, read=False)
    return path, digest


def certificate_file(data: dict) -> tuple[bytes, str]:
    """The certificate PDF of plain `data` (from `certificate_data`) and its hash: the cached
    file, or rendered now and cached. Needs an app context but no request and no database, so a
    streamed download can call it after its view returned."""
    _path, digest, pdf = _cached(data, read=True)
    return pdf, digest


def _cached(data: dict, read: bool) -> tuple[Path, str, bytes | None]:
    """(the file, the hash, the PDF if `read` or just rendered) of `data`'s certificate."""
    digest = certificate_hash(data)
    folder = _folder()
    path = folder / f"{data['number']}-{digest}.pdf"
    try:
        if read:
            return path, digest, path.read_bytes()
        if path.is_file():
            return path, digest, None
    except FileNotFoundError:
        pass
    pdf = _render(data)
    _store(path, pdf)
    for stale in folder.glob(f"{data['number']}-*.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return path, digest, pdf


def _folder() -> Path:
    """Next to the attachments (a volume every worker shares), not in a worker's memory."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(path: Path, content: bytes) -> None:
    """Write atomically: a concurrent download reads the old file, the new one or none."""
    with replaced(path) as file:
        file.write(content)


def render_unframed(data: dict) -> bytes:
    """The certificate without its printed frame, for pre-printed certificate paper (the
    ceremony print); never cached, the framed file stays the registrant's download."""
    return _render(data, frame=False)


def _render(data: dict, frame: bool = True) -> bytes:
    import segno

    from portal.certificates import mark, seal

    qr = segno.make(data["verify_url"], error="m")
    view = {
        **data,
        "registered_on": date.fromisoformat(data["registered_on"]),
        "valid_until": date.fromisoformat(data["valid_until"]),
        "ended_on": date.fromisoformat(data["ended_on"]) if data["ended_on"] else None,
        "reissued_on": date.fromisoformat(data["reissued_on"]) if data.get("reissued_on") else None,
        "qr_code": qr.svg_data_uri(border=4, omitsize=True, dark="#000", light="#fff"),
        "seal_image": seal.data_uri(data["seal"]["stored"], data["seal"]["type"]) if data.get("seal") else None,
        "mark_image": _file_uri(mark.path("png"), "image/png"),
        "frame": frame,
    }
    with force_locale("ja"):
        return render_pdf(CERTIFICATE_TEMPLATE, **view)


def _file_uri(path: Path, content_type: str) -> str | None:
    import base64

    try:
        return f"data:{content_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
    except FileNotFoundError:
        return None


def qr_data_uri(url: str) -> str:
    """A QR code of `url` for HTML pages (the CSP allows data: images)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(border=4, omitsize=True, dark="#000", light="#fff")
