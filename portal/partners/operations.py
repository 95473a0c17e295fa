"""Partner-institution operations: the only place institutions change."""
from __future__ import annotations

from sqlalchemy import select

from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.partners.models import InstitutionKind, PartnerConsent, PartnerInstitution


def create_institution(code: str, name_ja: str, name_en: str, kind: InstitutionKind, actor=None) -> PartnerInstitution:
    """Add a partner institution (by the secretariat or the demo data)."""
    institution = PartnerInstitution(code=code, name_ja=name_ja, name_en=name_en, kind=kind)
    db.session.add(institution)
    db.session.flush()
    audit.record("partner.created", institution, {"code": code, "name": name_ja}, actor=actor)
    return institution


def live_consents(organisation_id: int) -> list[PartnerConsent]:
    return list(db.session.scalars(
        select(PartnerConsent)
        .where(PartnerConsent.organisation_id == organisation_id, PartnerConsent.revoked_at.is_(None))
        .order_by(PartnerConsent.institution_id)
    ))


def set_consents(organisation, institution_ids: set[int], user, application=None) -> None:
    """Make the organisation's consents exactly `institution_ids`: grant the new ones, revoke
    the ones no longer chosen (effective at once). Each change is audited."""
    current = {c.institution_id: c for c in live_consents(organisation.id)}
    for institution_id in sorted(institution_ids - current.keys()):
        consent = PartnerConsent(organisation_id=organisation.id, institution_id=institution_id,
                                 application_id=application.id if application else None, granted_by_id=user.id)
        db.session.add(consent)
        db.session.flush()
        audit.record("partner_consent.granted", consent, {"institution_id": institution_id}, actor=user)
    for institution_id in sorted(current.keys() - institution_ids):
        revoke_consent(current[institution_id], user)


def revoke_consent(consent: PartnerConsent, user) -> None:
    """End an institution's access to the organisation now."""
    if consent.revoked_at is not None:
        return
    consent.revoked_at = utcnow()
    consent.revoked_by_id = user.id
    audit.record("partner_consent.revoked", consent, {"institution_id": consent.institution_id}, actor=user)
