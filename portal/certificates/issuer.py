"""Who issues the certificate, as the certificate prints it: the secretariat's settings, or the
defaults (熊本県知事, no name, no seal) until the secretariat sets them."""
from __future__ import annotations

from portal.core.extensions import db

DEFAULT_TITLE = "熊本県知事"


def settings():
    """The stored IssuerSettings row, or None."""
    from portal.certificates.models import IssuerSettings

    return db.session.get(IssuerSettings, 1)


def certificate_inputs(row=...) -> dict:
    """What of the issuer and the mark goes into a certificate's data (and so into the hash that
    decides whether a stored certificate is current): the title, the name, the seal file's hash
    and the registration mark's hash. `row`: the settings, when the caller has read them."""
    from portal.certificates import mark

    row = settings() if row is ... else row
    seal = None
    if row is not None and row.seal_stored:
        seal = {"stored": row.seal_stored, "type": row.seal_type, "sha256": row.seal_sha256}
    return {
        "issuer_title": row.title if row is not None else DEFAULT_TITLE,
        "issuer_name": row.name if row is not None else "",
        "seal": seal,
        "mark_sha256": mark.png_sha256(),
    }
