"""Every route × every role. A route added without an access rule and an entry here fails.

Personas: anonymous; applicant A (owner of organisation A) and B (owner of B); a newcomer
applicant without organisation; reviewer; secretariat; partner X and partner Y; Kumamoto City staff.
"""
import re

import pytest

from support import login, minimal_content
from pages import structure_problems

ALL = {"anonymous", "applicant_a", "applicant_b", "newcomer", "reviewer", "secretariat", "partner_x", "partner_y",
       "city"}
SIGNED_IN = ALL - {"anonymous"}
STAFF = {"reviewer", "secretariat"}
APPLICANTS = {"applicant_a", "applicant_b", "newcomer"}
PARTNERS = {"partner_x", "partner_y"}
# Those who read the city's KPI and its logo permits; only the city decides permits and keeps targets.
CITY_AND_STAFF = STAFF | {"city"}

# endpoint: (method, who may, denial answer for signed-in users: 403 route-level, 404 object-level)
MATRIX = {
    "core.home": ("GET", ALL, None),
    "core.healthz": ("GET", ALL, None),
    "core.terms": ("GET", ALL, None),
    "core.staff_home": ("GET", STAFF, 403),
    "core.city_home": ("GET", {"city"}, 403),
    "accounts.signup": ("GET", ALL, None),
    "accounts.verify_email": ("GET", ALL, None),
    "accounts.resend_verification": ("POST", SIGNED_IN, 403),
    "accounts.login": ("GET", ALL, None),
    "accounts.logout": ("POST", ALL, None),
    "accounts.forgot_password": ("GET", ALL, None),
    "accounts.reset_password": ("GET", ALL, None),
    "accounts.profile": ("GET", SIGNED_IN, 403),
    "accounts.change_password": ("POST", SIGNED_IN, 403),
    "accounts.second_factor": ("GET", ALL, None),
    "accounts.end_other_sessions": ("POST", SIGNED_IN, 403),
    "accounts.two_factor_settings": ("GET", SIGNED_IN, 403),
    "accounts.new_recovery_codes": ("POST", SIGNED_IN, 403),
    "accounts.disable_two_factor": ("POST", SIGNED_IN, 403),
    "accounts.new_phone": ("POST", SIGNED_IN, 403),
    "staff_accounts.reset_second_factor": ("POST", {"secretariat"}, 403),
    "staff_accounts.index": ("GET", {"secretariat"}, 403),
    "staff_accounts.create": ("GET", {"secretariat"}, 403),
    "staff_accounts.set_active": ("POST", {"secretariat"}, 403),
    "organisations.mine": ("GET", APPLICANTS, 403),
    "organisations.create": ("GET", {"newcomer"}, 403),
    "organisations.show": ("GET", {"applicant_a"} | STAFF, 404),
    "organisations.edit": ("GET", {"applicant_a"}, 404),
    "organisations.invite": ("POST", {"applicant_a"}, 404),
    "organisations.invitation": ("GET", ALL, None),
    "organisations.postal_code": ("GET", ALL, None),
    "organisations.staff_index": ("GET", STAFF, 403),
    "organisations.revoke_consent": ("POST", {"applicant_a"}, 404),
    "directory.index": ("GET", ALL, None),
    "directory.show": ("GET", ALL, None),
    "directory.opendata": ("GET", ALL, None),
    "directory.opendata_csv": ("GET", ALL, None),
    "directory.opendata_json": ("GET", ALL, None),
    "kpi.index": ("GET", CITY_AND_STAFF, 403),
    "kpi.download": ("GET", CITY_AND_STAFF, 403),
    "kpi.targets": ("GET", {"city"}, 403),
    "kpi.delete_target": ("POST", {"city"}, 403),
    "applications.start": ("GET", {"applicant_a", "applicant_b"}, 403),
    "applications.status": ("GET", {"applicant_a"} | STAFF, 404),
    "applications.step": ("GET", {"applicant_a"} | STAFF, 404),
    "applications.upload": ("POST", {"applicant_a"}, 404),
    "applications.remove_upload": ("POST", {"applicant_a"}, 404),
    "applications.download": ("GET", {"applicant_a"} | STAFF, 404),
    "applications.submit": ("POST", {"applicant_a"}, 404),
    "applications.revision": ("GET", {"applicant_a"} | STAFF, 404),
    "applications.copy_pdf": ("GET", {"applicant_a"} | STAFF, 404),
    "applications.withdraw": ("GET", {"applicant_a"}, 404),
    "applications.renew": ("GET", {"applicant_a"}, 404),
    "cohorts.index": ("GET", {"secretariat"}, 403),
    "cohorts.create": ("GET", {"secretariat"}, 403),
    "cohorts.show": ("GET", {"secretariat"}, 403),
    "cohorts.open": ("POST", {"secretariat"}, 403),
    "cohorts.close": ("POST", {"secretariat"}, 403),
    "cohorts.decide": ("POST", {"secretariat"}, 403),
    "cohorts.certificates_zip": ("GET", {"secretariat"}, 403),
    "cohorts.move_undecided": ("POST", {"secretariat"}, 403),
    "cohorts.approval_pdf": ("GET", {"secretariat"}, 403),
    "cohorts.approval_xlsx": ("GET", {"secretariat"}, 403),
    "cohorts.rename": ("GET", {"secretariat"}, 403),
    "review.queue": ("GET", STAFF, 403),
    "review.show": ("GET", STAFF, 403),
    "review.start": ("POST", STAFF, 403),
    "review.return_for_correction": ("POST", STAFF, 403),
    "review.approve": ("POST", STAFF, 403),
    "review.reject": ("POST", STAFF, 403),
    "review.reset": ("POST", STAFF, 403),
    "review.rejection_reason": ("POST", {"secretariat"}, 403),
    "review.take": ("POST", STAFF, 403),
    "review.assign": ("POST", {"secretariat"}, 403),
    "review.assign_many": ("POST", {"secretariat"}, 403),
    "review.external_check": ("POST", STAFF, 403),
    "registrations.withdraw": ("GET", {"applicant_a"}, 404),
    "registrations.change_notice": ("GET", {"applicant_a"}, 404),
    "staff_registrations.index": ("GET", STAFF, 403),
    "staff_registrations.export": ("GET", STAFF, 403),
    "staff_registrations.notices": ("GET", STAFF, 403),
    "staff_registrations.show": ("GET", STAFF, 403),
    "staff_registrations.revoke": ("GET", {"secretariat"}, 403),
    "staff_registrations.notice": ("GET", STAFF, 403),
    "staff_registrations.accept_notice": ("POST", {"secretariat"}, 403),
    "staff_registrations.return_notice": ("POST", {"secretariat"}, 403),
    "registrations.notice_document": ("GET", {"applicant_a"} | STAFF, 404),
    "review_checks.export": ("GET", STAFF, 403),
    "review_checks.verify": ("POST", STAFF, 403),
    "review_checks.comment": ("POST", STAFF, 403),
    "review_checks.move_cohort": ("POST", {"secretariat"}, 403),
    "registrations.verify": ("GET", ALL, None),
    "registrations.show": ("GET", {"applicant_a"} | STAFF, 404),
    "registrations.certificate": ("GET", {"applicant_a"} | STAFF, 404),
    # 「Kumamoto for SDGs」 logo permits (applicant_a holds them all; a draft is the holder's own)
    "logos.index": ("GET", ALL, None),
    "logos.new": ("GET", APPLICANTS, 403),
    "logos.show": ("GET", {"applicant_a"} | CITY_AND_STAFF, 404),
    "logos.edit": ("GET", {"applicant_a"}, 404),
    "logos.mockup": ("GET", {"applicant_a"} | CITY_AND_STAFF, 404),
    "logos.permit_pdf": ("GET", {"applicant_a"} | CITY_AND_STAFF, 404),
    "logos.download": ("GET", {"applicant_a"}, 404),
    "logos.report_use": ("POST", {"applicant_a"}, 404),
    "logos.use_photo": ("GET", {"applicant_a"} | CITY_AND_STAFF, 404),
    "logos.renew": ("POST", {"applicant_a"}, 404),
    "staff_logos.index": ("GET", CITY_AND_STAFF, 403),
    "staff_logos.export": ("GET", CITY_AND_STAFF, 403),
    "staff_logos.show": ("GET", CITY_AND_STAFF, 403),
    "staff_logos.approve": ("POST", {"city"}, 403),
    "staff_logos.approve_selected": ("POST", {"city"}, 403),
    "staff_logos.return_request": ("POST", {"city"}, 403),
    "staff_logos.reject": ("POST", {"city"}, 403),
    "staff_logos.revoke": ("POST", {"city"}, 403),
    # Partners: organisation A consents to partner X's institution (and to bank-z), never to Y's.
    "organisations.grant_consent": ("POST", {"applicant_a"}, 404),
    "partner.dashboard": ("GET", PARTNERS, 403),
    "partner.export": ("GET", PARTNERS, 403),
    "partner.organisation": ("GET", {"partner_x"}, 404),
    "partner.record_support": ("POST", {"partner_x"}, 404),
    "partner.edit_support": ("GET", {"partner_x"}, 404),
    "partner.delete_support": ("POST", {"partner_x"}, 404),
    "partner.menus": ("GET", PARTNERS, 403),
    "partner.new_menu": ("GET", PARTNERS, 403),
    "partner.edit_menu": ("GET", {"partner_x"}, 404),
    "partner.delete_menu": ("POST", {"partner_x"}, 404),
    "staff_partners.index": ("GET", {"secretariat"}, 403),
    "staff_partners.create": ("GET", {"secretariat"}, 403),
    "staff_partners.show": ("GET", {"secretariat"}, 403),
    "staff_partners.edit": ("GET", {"secretariat"}, 403),
    "staff_partners.invite": ("POST", {"secretariat"}, 403),
    "staff_partners.records": ("GET", {"secretariat"}, 403),
    "support_menus.index": ("GET", ALL, None),
    "support_menus.logo": ("GET", ALL, None),
    "selfcheck.index": ("GET", ALL, None),
    "selfcheck.page": ("GET", ALL, None),
    "selfcheck.result": ("GET", ALL, None),
    "selfcheck.result_download": ("GET", ALL, None),
    "selfcheck.clear": ("POST", ALL, None),
    # Seminars: the world's seminar is for registrants only (applicant A's organisation is one,
    # and has a confirmed sign-up); the other pages are the secretariat's.
    "seminars.index": ("GET", APPLICANTS, 403),
    "seminars.show": ("GET", {"applicant_a"}, 404),
    "seminars.signup": ("GET", {"applicant_a"}, 404),
    "seminars.cancel": ("GET", {"applicant_a"}, 404),
    "seminars.calendar_file": ("GET", {"applicant_a"}, 404),
    "staff_seminars.index": ("GET", {"secretariat"}, 403),
    "staff_seminars.create": ("GET", {"secretariat"}, 403),
    "staff_seminars.show": ("GET", {"secretariat"}, 403),
    "staff_seminars.edit": ("GET", {"secretariat"}, 403),
    "staff_seminars.cancel": ("GET", {"secretariat"}, 403),
    "staff_seminars.attendance": ("GET", {"secretariat"}, 403),
    "staff_seminars.export": ("GET", {"secretariat"}, 403),
    "staff_seminars.sheet": ("GET", {"secretariat"}, 403),
    # Progress reports: applicant A's registration reported in the world's open period.
    "reports.index": ("GET", {"applicant_a"} | STAFF, 404),
    "reports.file": ("GET", {"applicant_a"}, 404),
    "reports.show": ("GET", {"applicant_a"} | STAFF, 404),
    "staff_reports.index": ("GET", STAFF, 403),
    "staff_reports.open_period": ("POST", {"secretariat"}, 403),
    "staff_reports.show": ("GET", STAFF, 403),
    "staff_reports.export": ("GET", STAFF, 403),
    "claims.start": ("GET", {"newcomer"}, 403),
    "claims.code": ("GET", {"newcomer"}, 403),
    "claims.request_claim": ("GET", {"newcomer"}, 403),
    "staff_claims.index": ("GET", {"secretariat"}, 403),
    "staff_claims.registrants": ("GET", {"secretariat"}, 403),
    "staff_claims.export": ("GET", {"secretariat"}, 403),
    "staff_claims.print_letters": ("POST", {"secretariat"}, 403),
    "staff_claims.show": ("GET", {"secretariat"}, 403),
    "staff_claims.decide": ("POST", {"secretariat"}, 403),
    # The certificate's issuer, its seal and the ceremony prints (a finished one of the decided cohort).
    "staff_certificates.issuer": ("GET", {"secretariat"}, 403),
    "staff_certificates.seal_image": ("GET", {"secretariat"}, 403),
    "staff_certificates.queue_print": ("POST", {"secretariat"}, 403),
    "staff_certificates.prints": ("GET", {"secretariat"}, 403),
    "staff_certificates.print_pdf": ("GET", {"secretariat"}, 403),
    # The registration mark: applicant A's organisation is registered and active.
    "registration_mark.index": ("GET", {"applicant_a"}, 403),
    "registration_mark.download": ("GET", {"applicant_a"}, 403),
    "system.index": ("GET", {"secretariat"}, 403),
    "system.retry_mail": ("POST", {"secretariat"}, 403),
    # Contact details: each office keeps its own block (the city the logo office's).
    "contacts.prefecture": ("GET", {"secretariat"}, 403),
    "contacts.city": ("GET", {"city"}, 403),
    # Inquiries: applicant A asked the secretariat; a visitor asked too (their link's token).
    "inquiries.new": ("GET", ALL - STAFF - {"city"}, 403),
    "inquiries.mine": ("GET", APPLICANTS | PARTNERS, 403),
    "inquiries.show": ("GET", {"applicant_a"}, 404),
    "inquiries.thread": ("GET", ALL, None),
    "staff_inquiries.index": ("GET", STAFF | {"city"}, 403),
    "staff_inquiries.show": ("GET", STAFF, 404),
    "staff_inquiries.answer": ("POST", STAFF, 404),
    "staff_inquiries.close": ("POST", STAFF, 404),
    "staff_inquiries.assign": ("POST", STAFF, 404),
}

# Endpoints whose object is not the default one of the world below.
OVERRIDES = {
    "cohorts.certificates_zip": {"cohort_id": "decided_cohort_id"},
    "cohorts.approval_pdf": {"cohort_id": "decided_cohort_id"},
    "cohorts.approval_xlsx": {"cohort_id": "decided_cohort_id"},
    "review_checks.move_cohort": {"application_id": "submitted_application"},
    "staff_registrations.export": {"fmt": "csv"},
    "review_checks.export": {"fmt": "csv"},
    "review_checks.verify": {"application_id": "submitted_application"},
    "review_checks.comment": {"application_id": "submitted_application"},
    **{f"review.{name}": {"application_id": "submitted_application"}
       for name in ("show", "start", "return_for_correction", "approve", "reject", "reset", "take", "assign",
                    "rejection_reason", "external_check")},
    "registrations.verify": {"number": "KS01-0001"},
    "directory.show": {"number": "KS01-0001"},
    "kpi.download": {"fmt": "csv"},
    "kpi.delete_target": {"fiscal_year": 2023},
    "applications.revision": {"application_id": "submitted_application", "number": 1},
    "applications.copy_pdf": {"application_id": "submitted_application", "number": 1},
    "logos.edit": {"permit_id": "draft_permit"},
    "logos.permit_pdf": {"permit_id": "approved_permit"},
    "logos.download": {"permit_id": "approved_permit", "variant": "color-horizontal", "fmt": "svg"},
    "logos.report_use": {"permit_id": "approved_permit"},
    "logos.use_photo": {"permit_id": "approved_permit"},
    "logos.renew": {"permit_id": "approved_permit"},
    "staff_logos.export": {"fmt": "csv"},
    "staff_logos.revoke": {"permit_id": "approved_permit"},
    "partner.export": {"fmt": "csv"},
    "staff_seminars.export": {"fmt": "csv"},
    "selfcheck.page": {"number": 1},
    "staff_reports.export": {"fmt": "csv"},
    "staff_claims.export": {"fmt": "csv"},
    "staff_claims.print_letters": {"cohort_id": "decided_cohort_id"},
    "staff_certificates.queue_print": {"cohort_id": "decided_cohort_id"},
    "registration_mark.download": {"fmt": "svg"},
    "inquiries.thread": {"token": "inquiry_token"},
}


def _applications_of(app, owner_id, organisation_id):
    """A draft with a file, a submitted application, a registration due for renewal, a consent."""
    import io
    from datetime import date, datetime, timedelta, timezone

    from werkzeug.datastructures import FileStorage

    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db
    from portal.partners import operations as partners
    from portal.partners.models import InstitutionKind
    from portal.registrations.models import Registration

    complete = minimal_content(13)
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        organisation = owner.organisation
        earlier = cohorts.plan_cohort(1, now - timedelta(days=1200), now - timedelta(days=1100))
        earlier.state = CohortState.DECIDED  # a past cohort whose registration is KS01-0001
        current = cohorts.plan_cohort(2, now - timedelta(days=5), now + timedelta(days=20))
        cohorts.move_cohort(current, CohortState.OPEN)
        submitted = operations.start_application(organisation, current, owner)
        for key, value in complete.items():
            operations.save_section(submitted, key, value, owner)
        operations.submit_application(submitted, owner)
        later = cohorts.plan_cohort(3, now + timedelta(days=100), now + timedelta(days=130))
        draft = operations.start_application(organisation, later, owner)
        attachment = operations.add_attachment(draft, FileStorage(io.BytesIO(b"%PDF-1.4 test"), "a.pdf"), owner)
        registration = Registration(number="KS01-0001", cohort_id=earlier.id, sequence=1, organisation_id=organisation.id,
                                    registered_on=date.today() - timedelta(days=1000),
                                    valid_until=date.today() + timedelta(days=90))
        db.session.add(registration)
        from portal.registrations.models import ChangeNotice

        from portal.applications import files

        document = files.store(io.BytesIO(b"%PDF-1.4 notice"), subfolder="change_notices")
        notice = ChangeNotice(registration=registration, filed_by_id=owner.id, changes={"name": ["A", "B"]},
                              effective_on=date.today() - timedelta(days=3), document_stored_name=document.stored_name,
                              document_filename="touki.pdf", document_content_type=document.content_type)
        db.session.add(notice)
        bank = partners.create_institution("bank-z", "銀行", "Bank", InstitutionKind.BANK)
        partners.set_consents(organisation, {bank.id}, owner)
        db.session.commit()
        consent = partners.live_consents(organisation.id)[0]
        return {"application_id": draft.id, "submitted_application": submitted.id, "attachment_id": attachment.id,
                "cohort_id": current.id, "notice_id": notice.id, "decided_cohort_id": earlier.id,
                "registration_id": registration.id, "consent_id": consent.id, "step": "profile"}


def _logo_permits_of(app, owner_id):
    """A draft, a request sent with a mock-up, and a live permit (ending within the renewal
    window) with a use reported with a photo."""
    import io
    from datetime import timedelta

    from werkzeug.datastructures import FileStorage

    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.core.roles import Role
    from portal.logos import operations

    today = today_jst()
    data = {"holder_kind": "corporation", "holder_name": "A", "representative": "代表 A", "address": "熊本市",
            "contact_name": "A", "contact_phone": "096", "activity": "名刺", "goals": [12], "media": ["website"],
            "variants": ["color-horizontal"], "starts_on": today, "ends_on": today + timedelta(days=60)}
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        decider = User(email="logo-decider@example.jp", name="熊本市", role=Role.CITY, locale="ja")
        db.session.add(decider)
        made = []
        for _ in range(3):
            permit = operations.new_request(owner, data)
            operations.save_request(permit, data, owner, agreed=True,
                                    mockup=FileStorage(io.BytesIO(b"%PDF-1.4 mock-up"), "mock-up.pdf"))
            made.append(permit)
        draft, submitted, approved = made
        for permit in (submitted, approved):
            operations.submit_request(permit, owner)
        operations.approve_permit(approved, decider, today, today + timedelta(days=60), ["color-horizontal"])
        use = operations.report_use(approved, owner, "website", photo=FileStorage(io.BytesIO(b"\xff\xd8\xff"), "a.jpg"))
        db.session.commit()
        return {"permit_id": submitted.id, "draft_permit": draft.id, "approved_permit": approved.id,
                "use_id": use.id}


@pytest.fixture
def world(app, make_user, make_organisation):
    users = {
        "applicant_a": make_user(email="a@example.jp"),
        "applicant_b": make_user(email="b@example.jp"),
        "newcomer": make_user(email="new@example.jp"),
        "reviewer": make_user("reviewer"),
        "secretariat": make_user("secretariat"),
        "partner_x": make_user("partner", partner="bank-x"),
        "partner_y": make_user("partner", partner="bank-y"),
        "city": make_user("city"),
    }
    organisation_a = make_organisation(users["applicant_a"])
    make_organisation(users["applicant_b"], kind="group", corporate_number=None, name="B")
    values = {"organisation_id": organisation_a, "user_id": make_user("reviewer", email="target@example.jp"),
              "token": "not-a-valid-token", "code": "8600806",
              **_applications_of(app, users["applicant_a"], organisation_a),
              **_logo_permits_of(app, users["applicant_a"])}
    values.update(_partners_of(app, organisation_a, users["partner_x"]))
    values.update(_seminars_of(app, users["applicant_a"], users["secretariat"]))
    values.update(_reports_of(app, users["applicant_a"], values["registration_id"], values["decided_cohort_id"]))
    values.update(_claims_of(app, values["registration_id"], users["newcomer"]))
    values.update(_certificates_of(app, users["secretariat"], values["decided_cohort_id"]))
    values.update(_inquiries_of(app, users["applicant_a"]))
    return users, values


def _inquiries_of(app, asker_id):
    """Applicant A's question to the secretariat, and a visitor's with the token of its link."""
    import hashlib

    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.inquiries import operations
    from portal.inquiries.models import InquiryCategory, InquiryLink

    question = operations.Question(InquiryCategory.APPLICATION, "質問", "本文")
    token = "a-visitor-s-inquiry-link-token"
    with app.test_request_context():
        asked = operations.ask(question, "ja", user=db.session.get(User, asker_id))
        visitor = operations.ask(question, "ja", name="訪問 者", email="visitor@example.net")
        db.session.add(InquiryLink(inquiry_id=visitor.id, token_hash=hashlib.sha256(token.encode()).hexdigest()))
        db.session.commit()
        return {"inquiry_id": asked.id, "inquiry_token": token}


def _certificates_of(app, secretariat_id, cohort_id):
    """The issuer with a seal image, and a finished ceremony print of the decided cohort."""
    import io
    from pathlib import Path

    from portal.accounts.models import User
    from portal.applications import files
    from portal.certificates import operations
    from portal.certificates.models import CeremonyPrint, PrintState
    from portal.core.extensions import db

    seal = Path(__file__).resolve().parent.parent / "portal" / "demo" / "seal" / "sample-seal.png"
    with app.test_request_context():
        operations.set_issuer(db.session.get(User, secretariat_id), "熊本県知事", "見本 太郎",
                              io.BytesIO(seal.read_bytes()))
        stored = files.store(io.BytesIO(b"%PDF-1.4 ceremony"), subfolder=operations.SUBFOLDER)
        job = CeremonyPrint(cohort_id=cohort_id, frame=True, state=PrintState.DONE, total=1, done=1,
                            stored_name=stored.stored_name, size=stored.size)
        db.session.add(job)
        db.session.commit()
        return {"job_id": job.id}


def _claims_of(app, registration_id, claimant_id):
    """A claim waiting for the secretariat, by the newcomer."""
    from portal.claims.models import ClaimMethod, RegistrationClaim
    from portal.core.extensions import db

    with app.app_context():
        claim = RegistrationClaim(registration_id=registration_id, user_id=claimant_id, method=ClaimMethod.REQUEST,
                                  details={"representative_name": "代表 A"})
        db.session.add(claim)
        db.session.commit()
        return {"claim_id": claim.id}


def _partners_of(app, organisation_id, partner_id):
    """Organisation A consents to partner X's institution, which recorded support for it, has a
    support menu and a logo."""
    import io
    from datetime import timedelta

    from PIL import Image

    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.organisations.models import Organisation
    from portal.partners import logos, operations as partners

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(png, "PNG")
    png.seek(0)
    with app.test_request_context():
        partner = db.session.get(User, partner_id)
        organisation = db.session.get(Organisation, organisation_id)
        partners.grant_consents(organisation, {partner.partner_id}, organisation.owner)
        record = partners.record_support(organisation, partner, today_jst() - timedelta(days=1), "consulting",
                                         "memo", True)
        menu = partners.create_menu(partner.partner_id, {"title_ja": "融資", "description_ja": "説明", "free": True,
                                                         "published": True}, partner)
        partners.set_logo(partner.partner, logos.store(png), partner)
        db.session.commit()
        return {"record_id": record.id, "menu_id": menu.id, "institution_id": partner.partner_id}


def _seminars_of(app, owner_id, secretariat_id):
    """A seminar for registrants, open for sign-up, and applicant A's confirmed sign-up."""
    from datetime import datetime, timedelta, timezone

    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.seminars import operations

    now = datetime.now(timezone.utc)
    with app.test_request_context():
        seminar = operations.create_seminar({
            "title_ja": "セミナー", "title_en": "Seminar", "description_ja": "説明", "description_en": None,
            "starts_at": now + timedelta(days=10), "ends_at": now + timedelta(days=10, hours=2),
            "venue": "熊本県庁", "online_url": "https://meet.example.jp/x", "capacity": 10, "seats_per_organisation": 2,
            "signup_opens_at": now - timedelta(days=1), "signup_closes_at": now + timedelta(days=9),
            "audience": "registrants"}, db.session.get(User, secretariat_id))
        signup = operations.sign_up(seminar, db.session.get(User, owner_id), 1, ["出席 一郎"])
        db.session.commit()
        return {"seminar_id": seminar.id, "signup_id": signup.id}


def _reports_of(app, owner_id, registration_id, cohort_id):
    """An open reporting period, and applicant A's report in it on the key actions of the
    registration's approved application."""
    from datetime import timedelta

    from portal.accounts.models import User
    from portal.applications.models import Application
    from portal.applications.workflow import ApplicationState
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.registrations.models import Registration
    from portal.reports import operations

    today = today_jst()
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        registration = db.session.get(Registration, registration_id)
        db.session.add(Application(organisation_id=registration.organisation_id, cohort_id=cohort_id,
                                   state=ApplicationState.APPROVED, registration_id=registration.id,
                                   content=minimal_content(13)))
        period = operations.open_period(today.year, today - timedelta(days=1), today + timedelta(days=30), None)
        entries = [operations.Entry("1", "on_track")] * 3
        report, _created = operations.file_report(registration, period, entries, owner, today)
        db.session.commit()
        return {"period_id": period.id, "report_id": report.id}


def test_every_route_has_an_access_rule_and_a_matrix_entry(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "access_rule"), f"{rule.endpoint} has no @access/@public rule"
        assert rule.endpoint in MATRIX, f"{rule.endpoint} is missing from the permission matrix"
    assert set(MATRIX) <= set(app.view_functions)


def _url(app, endpoint, values):
    values = {**values, **{k: values.get(v, v) for k, v in OVERRIDES.get(endpoint, {}).items()}}
    rule = next(app.url_map.iter_rules(endpoint))
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{arg: values[arg] for arg in rule.arguments})


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.mark.parametrize("persona", sorted(ALL))
def test_the_matrix(app, world, persona):
    users, values = world
    failures = []
    for endpoint, (method, allowed, denial) in MATRIX.items():
        client = app.test_client()
        if persona != "anonymous":
            login(client, users[persona])
        url = _url(app, endpoint, values)
        if method == "GET":
            response = client.get(url)
        else:
            token = _TOKEN.search(client.get("/login" if persona == "anonymous" else "/account").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token.group(1) if token else ""})
        location = response.headers.get("Location", "")
        if persona in allowed:
            ok = response.status_code < 500 and response.status_code not in (403, 404) and "/login?next" not in location
        elif persona == "anonymous":
            ok = response.status_code == 302 and "/login?next" in location
        else:
            ok = response.status_code == denial
        if not ok:
            failures.append(f"{endpoint} {method} → {response.status_code} {location}")
        elif response.mimetype == "text/html" and response.status_code != 302:
            failures.extend(f"{endpoint}: {p}" for p in structure_problems(response.get_data(as_text=True)))
    assert not failures, f"{persona}: " + "; ".join(failures)


ENROLMENT_OPEN = {"accounts.two_factor_settings", "accounts.logout", "core.healthz"}


@pytest.mark.parametrize("persona", ["reviewer", "secretariat", "partner_x", "city"])
def test_where_two_factor_is_required_unenrolled_staff_and_partners_reach_only_the_enrolment_page(
        app, world, persona, monkeypatch):
    """Production requires a second factor for staff, partner and city accounts: signed in with the
    password alone, every route of the matrix but the enrolment page, sign-out and the public
    pages sends them to enrolment — including the pages their role may otherwise open."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    users, values = world
    failures = []
    for endpoint, (method, allowed, denial) in MATRIX.items():
        client = app.test_client()
        login(client, users[persona])
        url = _url(app, endpoint, values)
        if method == "GET":
            response = client.get(url)
        else:
            token = _TOKEN.search(client.get("/account/two-factor").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token.group(1) if token else ""})
        location = response.headers.get("Location", "")
        public_page = method == "GET" and getattr(app.view_functions[endpoint], "access_rule", None) == "public"
        if endpoint in ENROLMENT_OPEN or public_page:
            ok = response.status_code < 500 and "/account/two-factor" not in location or endpoint == "accounts.logout"
        else:
            ok = response.status_code == 302 and location.endswith("/account/two-factor")
        if not ok:
            failures.append(f"{endpoint} {method} → {response.status_code} {location}")
    assert not failures, f"{persona}: " + "; ".join(failures)


def test_where_two_factor_is_required_applicants_are_not_asked(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    users, values = world
    client = app.test_client()
    login(client, users["applicant_a"])
    assert client.get(_url(app, "organisations.show", values)).status_code == 200
    assert client.get("/account").status_code == 200
