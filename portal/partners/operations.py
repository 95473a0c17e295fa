"""Partner-institution operations: the only place institutions change."""
from __future__ import annotations

from portal.core import audit
from portal.core.extensions import db
from portal.partners.models import InstitutionKind, PartnerInstitution


def create_institution(code: str, name_ja: str, name_en: str, kind: InstitutionKind, actor=None) -> PartnerInstitution:
    """Add a partner institution (by the secretariat or the demo data)."""
    institution = PartnerInstitution(code=code, name_ja=name_ja, name_en=name_en, kind=kind)
    db.session.add(institution)
    db.session.flush()
    audit.record("partner.created", institution, {"code": code, "name": name_ja}, actor=actor)
    return institution
