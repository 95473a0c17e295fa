"""The frozen form of an application: everything submitted, as plain data, so that a
revision reads the same forever (whatever happens to the profile or the partners later)."""
from __future__ import annotations

from typing import Any

from portal.core import location
from portal.organisations.forms import PROFILE_FIELDS


def profile_of(organisation) -> dict[str, Any]:
    """The organisation's profile as plain data, with where it is."""
    profile = {field: getattr(organisation, field) for field in PROFILE_FIELDS}
    profile["kind"] = organisation.kind.value
    profile["municipality_code"] = organisation.municipality_code
    profile["in_city"] = organisation.in_city
    profile["in_prefecture"] = location.derive_location(organisation.address, organisation.postal_code).in_prefecture
    return profile


def snapshot(application) -> dict[str, Any]:
    from portal.partners.models import PartnerInstitution
    from portal.core.extensions import db

    content = dict(application.content or {})
    partners = dict(content.get("partners") or {})
    chosen = partners.get("institutions") or []
    if chosen:
        institutions = db.session.scalars(db.select(PartnerInstitution).where(PartnerInstitution.id.in_(chosen)))
        partners["names"] = {str(i.id): {"ja": i.name_ja, "en": i.name_en} for i in institutions}
    return {
        **content,
        "kind": application.kind.value,
        "cohort": application.cohort.number,
        "checklist_version": application.cohort.checklist_version,
        "profile": profile_of(application.organisation),
        "partners": partners,
        "attachments": [
            {"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in application.attachments
        ],
    }
