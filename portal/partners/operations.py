"""Partner operations: the only place institutions, consents, support records and support menus
change. Each checks what it must, writes the audit log and queues the mails it names."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.partners.models import (
    InstitutionKind,
    PartnerConsent,
    PartnerInstitution,
    SupportKind,
    SupportMenu,
    SupportRecord,
)

# What an institution's page may change (the code is fixed once created: accounts and seeds use it).
INSTITUTION_FIELDS = ("name_ja", "name_en", "kind", "contact_department", "contact_phone", "contact_email", "website")
MENU_FIELDS = ("title_ja", "title_en", "description_ja", "description_en", "conditions_ja", "conditions_en",
               "free", "fee", "url", "published")
# Support records are plain text: anything that looks like an HTML tag is refused (it is shown
# to the organisation, exported and read by the secretariat), while "金利<1%" is fine.
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
NOTES_MAX = 2000


class PartnerError(ValueError):
    """A partner operation that cannot be done; `code` names why (see ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


ERRORS = {
    "no_consent": _l("This organisation does not consent to your institution any more."),
    "future": _l("The date of the support cannot be in the future."),
    "kind": _l("Choose the kind of support."),
    "markup": _l("Notes are plain text: HTML tags cannot be used."),
    "too_long": _l("Notes can be at most 2,000 characters."),
    "code_taken": _l("This code is already used by another institution."),
}


def error_text(error: PartnerError) -> str:
    return str(ERRORS.get(error.code, _l("This cannot be done now.")))


# --- institutions (by the secretariat) --------------------------------------------------------

def create_institution(code: str, name_ja: str, name_en: str, kind: InstitutionKind, actor=None,
                       **contact) -> PartnerInstitution:
    """Add a partner institution (by the secretariat or the demo data), with its contact."""
    if db.session.scalar(select(PartnerInstitution.id).where(PartnerInstitution.code == code)) is not None:
        raise PartnerError("code_taken")
    institution = PartnerInstitution(code=code, name_ja=name_ja, name_en=name_en, kind=kind,
                                     **{k: v for k, v in contact.items() if k in INSTITUTION_FIELDS})
    db.session.add(institution)
    db.session.flush()
    audit.record("partner.created", institution, {"code": code, "name": name_ja}, actor=actor)
    return institution


def update_institution(institution: PartnerInstitution, data: dict, actor) -> dict:
    """Change an institution's names, kind and contact; returns the changed fields."""
    changes = audit.diff(institution, {k: v for k, v in data.items() if k in INSTITUTION_FIELDS})
    if changes:
        audit.record("partner.updated", institution, changes, actor=actor)
    return changes


def set_logo(institution: PartnerInstitution, stored, actor) -> str | None:
    """Give the institution a new logo (`stored`: a file checked and kept by
    portal.partners.logos) or none (None). Audited. Returns the old file's name, for the view to
    remove once the change is committed."""
    old = institution.logo_name
    institution.logo_name = stored.stored_name if stored else None
    institution.logo_content_type = stored.content_type if stored else None
    audit.record("partner.logo", institution, {"logo": [old, institution.logo_name]}, actor=actor)
    return old


def invite_user(institution: PartnerInstitution, email: str, name: str, locale: str, actor):
    """A partner account for a person of the institution; they are mailed a link to set their
    password (accounts.operations.create_account audits and mails)."""
    from portal.accounts import operations as accounts
    from portal.core.roles import Role

    return accounts.create_account(email, name, Role.PARTNER, locale, partner=institution, actor=actor)


# --- consents (by the organisation) -----------------------------------------------------------

def live_consents(organisation_id: int) -> list[PartnerConsent]:
    return list(db.session.scalars(
        select(PartnerConsent)
        .where(PartnerConsent.organisation_id == organisation_id, PartnerConsent.revoked_at.is_(None))
        .order_by(PartnerConsent.institution_id)
    ))


def _grant(organisation, institution_id: int, user, application=None) -> PartnerConsent:
    consent = PartnerConsent(organisation_id=organisation.id, institution_id=institution_id,
                             application_id=application.id if application else None, granted_by_id=user.id)
    db.session.add(consent)
    db.session.flush()
    audit.record("partner_consent.granted", consent, {"institution_id": institution_id}, actor=user)
    return consent


def set_consents(organisation, institution_ids: set[int], user, application=None) -> None:
    """Make the organisation's consents exactly `institution_ids`: grant the new ones, revoke
    the ones no longer chosen (effective at once). Each change is audited."""
    current = {c.institution_id: c for c in live_consents(organisation.id)}
    for institution_id in sorted(institution_ids - current.keys()):
        _grant(organisation, institution_id, user, application)
    for institution_id in sorted(current.keys() - institution_ids):
        revoke_consent(current[institution_id], user)


def grant_consents(organisation, institution_ids: set[int], user) -> list[PartnerConsent]:
    """The organisation chooses more institutions from its page and consents: each new one may
    see it from now on (the ones it consents to already are left as they are). Audited."""
    known = set(db.session.scalars(select(PartnerInstitution.id).where(PartnerInstitution.id.in_(institution_ids))))
    current = {c.institution_id for c in live_consents(organisation.id)}
    return [_grant(organisation, institution_id, user) for institution_id in sorted(known - current)]


def revoke_consent(consent: PartnerConsent, user) -> None:
    """End an institution's access to the organisation now."""
    if consent.revoked_at is not None:
        return
    consent.revoked_at = utcnow()
    consent.revoked_by_id = user.id
    audit.record("partner_consent.revoked", consent, {"institution_id": consent.institution_id}, actor=user)


def consents_to(organisation_id: int, institution_id: int) -> bool:
    return db.session.scalar(select(PartnerConsent.id).where(
        PartnerConsent.organisation_id == organisation_id, PartnerConsent.institution_id == institution_id,
        PartnerConsent.revoked_at.is_(None)).limit(1)) is not None


# --- support records (伴走支援記録, by the institution's users) ---------------------------------

def check_support(supported_on: date, kind: str, notes: str | None, today: date | None = None) -> None:
    """Refuse a record the forms would refuse too (the operation does not trust its caller)."""
    if supported_on > (today or today_jst()):
        raise PartnerError("future")
    if kind not in {k.value for k in SupportKind}:
        raise PartnerError("kind")
    if notes and MARKUP.search(notes):
        raise PartnerError("markup")
    if notes and len(notes) > NOTES_MAX:
        raise PartnerError("too_long")


def record_support(organisation, user, supported_on: date, kind: str, notes: str | None, shared: bool,
                   today: date | None = None) -> SupportRecord:
    """伴走支援 — the partner user's institution records support for an organisation that
    consents to it (refused otherwise). Audited; nobody is mailed (the organisation sees a
    shared record on its page)."""
    if not consents_to(organisation.id, user.partner_id):
        raise PartnerError("no_consent")
    notes = (notes or "").strip() or None
    check_support(supported_on, kind, notes, today)
    record = SupportRecord(institution_id=user.partner_id, organisation_id=organisation.id, supported_on=supported_on,
                           kind=SupportKind(kind), notes=notes, shared=bool(shared), recorded_by_id=user.id)
    db.session.add(record)
    db.session.flush()
    audit.record("support_record.created", record, {"organisation_id": organisation.id, "kind": kind,
                                                    "supported_on": supported_on.isoformat(), "shared": bool(shared)},
                 actor=user)
    return record


def update_support_record(record: SupportRecord, user, supported_on: date, kind: str, notes: str | None,
                          shared: bool, today: date | None = None) -> dict:
    """Correct a support record (date, kind, notes, whether the organisation sees it), while the
    organisation still consents. Returns the changed fields (audited; notes' text not logged)."""
    if not consents_to(record.organisation_id, record.institution_id):
        raise PartnerError("no_consent")
    notes = (notes or "").strip() or None
    check_support(supported_on, kind, notes, today)
    old_notes = record.notes
    changes = audit.diff(record, {"supported_on": supported_on, "kind": SupportKind(kind), "shared": bool(shared)})
    if notes != old_notes:
        record.notes = notes
        changes["notes"] = ["…", "…"]  # changed; the text itself stays out of the log
    if changes:
        audit.record("support_record.updated", record, changes, actor=user)
    return changes


def delete_support_record(record: SupportRecord, user) -> None:
    """Remove a support record entered by mistake (audited with what it said, for the secretariat)."""
    if not consents_to(record.organisation_id, record.institution_id):
        raise PartnerError("no_consent")
    audit.record("support_record.deleted", record, {
        "organisation_id": record.organisation_id, "kind": record.kind.value,
        "supported_on": record.supported_on.isoformat(), "shared": record.shared}, actor=user)
    db.session.delete(record)


# --- support menus (支援メニュー, by the institution's users) ----------------------------------

def _menu_values(data: dict) -> dict:
    values = {field: data.get(field) for field in MENU_FIELDS}
    for field in ("title_en", "description_en", "conditions_ja", "conditions_en", "fee", "url"):
        values[field] = (values[field] or "").strip() or None
    values["free"] = bool(values["free"])
    values["published"] = bool(values["published"])
    if values["free"]:
        values["fee"] = None
    return values


def create_menu(institution_id: int, data: dict, actor) -> SupportMenu:
    """Publish (or keep unpublished) a support menu of the institution. Audited."""
    menu = SupportMenu(institution_id=institution_id, **_menu_values(data))
    db.session.add(menu)
    db.session.flush()
    audit.record("support_menu.created", menu, {"title": menu.title_ja, "published": menu.published}, actor=actor)
    return menu


def update_menu(menu: SupportMenu, user, data: dict) -> dict:
    """Change a support menu (publishing or withdrawing it too); returns the changed fields."""
    changes = audit.diff(menu, _menu_values(data))
    if changes:
        audit.record("support_menu.updated", menu, changes, actor=user)
    return changes


def delete_menu(menu: SupportMenu, user) -> None:
    """Remove a support menu for good (to hide it for a while, unpublish it). Audited."""
    audit.record("support_menu.deleted", menu, {"title": menu.title_ja}, actor=user)
    db.session.delete(menu)


def log_export(user, fmt: str, filters: dict) -> None:
    """An institution's user downloaded its list of supported organisations: who, when, which
    format and filters go into the audit log (the data left the portal)."""
    from portal.partners.models import PartnerInstitution

    institution = db.session.get(PartnerInstitution, user.partner_id)
    audit.record("partner.exported", institution, {"format": fmt, "filters": filters}, actor=user)
