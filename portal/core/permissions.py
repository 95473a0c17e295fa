"""Every "may this user do this (to this object)?" answer lives here.

Views declare the rule that guards them with `@access(...)` (or `@public`), and check
object-level rules with `require(...)`; templates ask `may(...)`. A route without a declared
rule fails the permission-matrix test.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort
from flask_login import current_user

from portal.core.extensions import login_manager
from portal.core.roles import Role

PUBLIC = "public"
_rules: dict[str, Callable[[Any, Any], bool]] = {}


def rule(action: str):
    def register(fn):
        _rules[action] = fn
        return fn

    return register


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may(user, action: str, obj: Any = None) -> bool:
    if action == PUBLIC:
        return True
    if not _signed_in(user):
        return False
    return bool(_rules[action](user, obj))


# Where a signed-in person's own pages start, by the first of these rules they pass.
HOMES = (("applicant", "organisations.mine"), ("staff", "core.staff_home"), ("city", "core.city_home"),
         ("partner.dashboard", "partner.dashboard"))


def home_endpoint(user) -> str | None:
    """The endpoint of a signed-in person's own pages (the menu's first link of theirs, the
    landing page's button): their account page when no home rule lets them in; None for a visitor."""
    if not _signed_in(user):
        return None
    return next((endpoint for action, endpoint in HOMES if may(user, action)), "accounts.profile")


def require(action: str, obj: Any = None) -> None:
    """Stop the request unless allowed. Denied objects answer 404: their existence is private."""
    if not _signed_in(current_user):
        abort(login_manager.unauthorized())
    if not may(current_user, action, obj):
        abort(404 if obj is not None else 403)


def access(action: str):
    """Guard a view with a route-level rule (no object)."""
    if action != PUBLIC and action not in _rules:
        raise KeyError(f"unknown permission rule {action!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if action != PUBLIC:
                require(action)
            return view(*args, **kwargs)

        guarded.access_rule = action
        return guarded

    return decorate


public = access(PUBLIC)


# --- rules -----------------------------------------------------------------------------

@rule("signed_in")
def _any_account(user, obj) -> bool:
    return True


@rule("applicant")
def _applicant(user, obj) -> bool:
    return user.role == Role.APPLICANT


@rule("organisation.create")
def _create_organisation(user, obj) -> bool:
    return user.role == Role.APPLICANT and user.membership is None


@rule("organisation.member")
def _has_organisation(user, obj) -> bool:
    return user.role == Role.APPLICANT and user.membership is not None


@rule("organisation.view")
def _view_organisation(user, obj) -> bool:
    return user.role.is_staff or _is_member(user, obj)


@rule("organisation.edit")
def _edit_organisation(user, obj) -> bool:
    return _is_member(user, obj)


@rule("organisation.invite")
def _invite_members(user, obj) -> bool:
    """The owner, once their address is verified: an invitation mails someone who did not ask
    for it, from the prefecture's sender, with the organisation's name the owner typed."""
    return _is_member(user, obj) and user.membership.is_owner and user.email_verified


@rule("staff")
def _staff(user, obj) -> bool:
    return user.role.is_staff


@rule("city")
def _city(user, obj) -> bool:
    """Kumamoto City's staff: their menu (the KPI report and the logo permits)."""
    return user.role == Role.CITY


@rule("staff.users")
def _manage_users(user, obj) -> bool:
    return user.role == Role.SECRETARIAT


def _is_member(user, organisation) -> bool:
    return organisation is not None and _is_member_of(user, organisation.id)


def _is_member_of(user, organisation_id: int | None) -> bool:
    return (
        user.role == Role.APPLICANT
        and user.membership is not None
        and organisation_id is not None
        and user.membership.organisation_id == organisation_id
    )


@rule("application.view")
def _view_application(user, application) -> bool:
    return user.role.is_staff or _is_member(user, application.organisation)


@rule("application.edit")
def _edit_application(user, application) -> bool:
    from portal.applications.workflow import EDITABLE

    return _is_member(user, application.organisation) and application.state in EDITABLE


@rule("application.submit")
def _submit_application(user, application) -> bool:
    from portal.applications.workflow import SUBMITTABLE

    return _is_member(user, application.organisation) and application.state in SUBMITTABLE


@rule("application.withdraw")
def _withdraw_application(user, application) -> bool:
    from portal.applications.workflow import WITHDRAWABLE

    return _is_member(user, application.organisation) and application.state in WITHDRAWABLE


@rule("registration.renew")
def _renew_registration(user, registration) -> bool:
    from portal.core.i18n import today_jst
    from portal.registrations.terms import may_renew_on

    return _is_member(user, registration.organisation) and may_renew_on(registration, today_jst())


@rule("staff.cohorts")
def _manage_cohorts(user, obj) -> bool:
    """Plan, open, close and decide cohorts."""
    return user.role == Role.SECRETARIAT


@rule("application.review")
def _review_application(user, application) -> bool:
    """Reviewers and the secretariat act on submitted applications (never on drafts)."""
    return user.role.is_staff and application.state != "draft"


@rule("registration.view")
def _view_registration(user, registration) -> bool:
    """`registration`: a Registration, or anything else with its `organisation_id` (a
    certificate's kept source, portal.registrations.documents)."""
    return user.role.is_staff or _is_member_of(user, registration.organisation_id)


@rule("application.assign")
def _assign_reviewer(user, application) -> bool:
    """Assign any staff member as an application's reviewer: the secretariat only."""
    from portal.applications.operations import ASSIGNABLE

    return user.role == Role.SECRETARIAT and (application is None or application.state in ASSIGNABLE)


@rule("application.rejection_reason")
def _give_rejection_reason(user, application) -> bool:
    """Set what a rejection tells the applicant: the secretariat, who decides, while the
    application is recommended for rejection."""
    return user.role == Role.SECRETARIAT and (application is None or application.state == "recommended_rejection")


@rule("application.take")
def _take_application(user, application) -> bool:
    """Take an unassigned application for oneself: any staff member."""
    from portal.applications.operations import ASSIGNABLE

    return user.role.is_staff and (application is None or (
        application.state in ASSIGNABLE and application.reviewer_id is None))


# --- registrations: withdrawal (辞退), change notices (変更届), revocation (取消) ----------------

def _registration_is_live(registration) -> bool:
    """Active and not ended today (expiry follows from the dates: documents.status_on)."""
    from portal.core.i18n import today_jst
    from portal.registrations import documents

    return registration.state == "active" and documents.status_on(registration, today_jst()) in (
        documents.ACTIVE, documents.UPCOMING)


@rule("registration.withdraw")
def _withdraw_registration(user, registration) -> bool:
    """辞退: a member of the registered organisation, while the registration is valid."""
    return _is_member(user, registration.organisation) and _registration_is_live(registration)


@rule("registration.change")
def _file_change_notice(user, registration) -> bool:
    """変更届: a member of the registered organisation, while the registration is valid."""
    return _is_member(user, registration.organisation) and _registration_is_live(registration)


@rule("registration.manage")
def _manage_registrations(user, registration) -> bool:
    """Revoke registrations (取消) and handle change notices: the secretariat only."""
    return user.role == Role.SECRETARIAT


@rule("certificates.manage")
def _manage_certificates(user, obj) -> bool:
    """The certificate's issuer and seal, and the ceremony prints: the secretariat only."""
    return user.role == Role.SECRETARIAT


@rule("registration_mark.download")
def _download_registration_mark(user, obj) -> bool:
    """The registration mark (登録マーク): members of an organisation whose registration is active
    today (not before its term begins, not after it ended)."""
    from sqlalchemy import select

    from portal.core.extensions import db
    from portal.registrations.models import Registration

    if user.role != Role.APPLICANT or user.membership is None:
        return False
    registrations = db.session.scalars(select(Registration).where(
        Registration.organisation_id == user.membership.organisation_id, Registration.state == "active")).all()
    from portal.core.i18n import today_jst
    from portal.registrations import documents

    today = today_jst()
    return any(documents.status_on(registration, today) == documents.ACTIVE for registration in registrations)


# --- the city's KPI --------------------------------------------------------------------------

@rule("kpi.view")
def _view_kpi(user, obj) -> bool:
    """The KPI report and its downloads: the city, whose KPI it is, and the prefecture's staff."""
    return user.role == Role.CITY or user.role.is_staff


@rule("kpi.manage")
def _manage_kpi(user, obj) -> bool:
    """Add or change the targets the KPI is measured against: the city, whose plan sets them
    (the prefecture's staff read them)."""
    return user.role == Role.CITY


# --- 「Kumamoto for SDGs」 logo-use permits ----------------------------------------------------

def _holds(user, permit) -> bool:
    """The permit's holder: the account that asked for it, or a member of its organisation."""
    if user.role != Role.APPLICANT or permit is None:
        return False
    if permit.requested_by_id == user.id:
        return True
    return (permit.organisation_id is not None and user.membership is not None
            and user.membership.organisation_id == permit.organisation_id)


@rule("logo.hold")
def _hold_logo_permit(user, permit) -> bool:
    """The holder of a request or permit (whatever its state)."""
    return _holds(user, permit)


@rule("logo.request")
def _request_logo(user, obj) -> bool:
    """Ask to use the logo: any verified account of the public (registrants, other
    corporations, groups, individuals); not staff or partner accounts."""
    return user.role == Role.APPLICANT and user.email_verified


def _reads_logo_permits(user) -> bool:
    """The logo is the city's: city staff decide its permits; the prefecture's staff read them."""
    return user.role == Role.CITY or user.role.is_staff


@rule("logos.view")
def _list_logo_permits(user, obj) -> bool:
    """The permit lists, their export and a request's staff page: the city and the prefecture's
    staff (who see no decision forms)."""
    return _reads_logo_permits(user)


@rule("logo.view")
def _view_logo_permit(user, permit) -> bool:
    """A request or permit, its mock-up, permit PDF and reported uses: its holder; the city and
    the prefecture's staff once it has been sent (a draft is the holder's)."""
    from portal.logos.workflow import SENT

    return _holds(user, permit) or (_reads_logo_permits(user) and permit.state in SENT)


@rule("logo.edit")
def _edit_logo_request(user, permit) -> bool:
    """Change and send a draft, or a request returned for correction: its holder."""
    from portal.logos.workflow import EDITABLE

    return _holds(user, permit) and permit.state in EDITABLE


@rule("logo.manage")
def _manage_logo_permits(user, permit) -> bool:
    """Approve (one or those selected), return, refuse and revoke: the city, whose logo it is
    (permits are issued in the name of the mayor of Kumamoto City)."""
    return user.role == Role.CITY


@rule("logo.download")
def _download_logo(user, wanted) -> bool:
    """A logo file: the holder of a live permit, and only a variant the permit allows.
    `wanted` is (permit, variant code); anything else answers 404."""
    from portal.logos.operations import is_live

    permit, variant = wanted
    return _holds(user, permit) and is_live(permit) and variant in (permit.permitted_variants or ())


@rule("logo.report")
def _report_logo_use(user, permit) -> bool:
    """Report a use (a photo or a link): the holder of an issued permit that was not revoked."""
    from portal.logos.workflow import PermitState

    return _holds(user, permit) and permit.state in (PermitState.APPROVED, PermitState.EXPIRED)


@rule("logo.renew")
def _renew_logo_permit(user, permit) -> bool:
    """Apply to renew: the holder, from three months before the end until six months after."""
    from portal.logos.operations import may_renew

    return _holds(user, permit) and may_renew(permit)


# --- partner institutions (支援機関): consent-scoped view, support records, support menus ------

def _is_partner(user) -> bool:
    return user.role == Role.PARTNER and user.partner_id is not None


def _consents(user, organisation_id: int | None) -> bool:
    """A live consent between the partner user's institution and the organisation: the only
    thing that lets an institution see an organisation (revoking it ends that at once)."""
    from sqlalchemy import select

    from portal.core.extensions import db
    from portal.partners.models import PartnerConsent

    if not _is_partner(user) or organisation_id is None:
        return False
    return db.session.scalar(select(PartnerConsent.id).where(
        PartnerConsent.organisation_id == organisation_id, PartnerConsent.institution_id == user.partner_id,
        PartnerConsent.revoked_at.is_(None)).limit(1)) is not None


@rule("partner.dashboard")
def _partner_dashboard(user, obj) -> bool:
    """The partner pages: the institution's supported organisations, its records and menus."""
    return _is_partner(user)


@rule("partner.organisation")
def _partner_sees_organisation(user, organisation) -> bool:
    """An organisation's page for a partner: only while it consents to the user's institution."""
    return organisation is not None and _consents(user, organisation.id)


@rule("partner.support.record")
def _record_support(user, organisation) -> bool:
    """Record support (伴走支援) for an organisation that consents to the user's institution."""
    return organisation is not None and _consents(user, organisation.id)


@rule("partner.support.edit")
def _edit_support_record(user, record) -> bool:
    """Change or delete a support record: the institution's own, while the consent lasts."""
    return (record is not None and _is_partner(user) and record.institution_id == user.partner_id
            and _consents(user, record.organisation_id))


@rule("partner.menu.edit")
def _edit_support_menu(user, menu) -> bool:
    """Change or delete a support menu: the institution's own."""
    return menu is not None and _is_partner(user) and menu.institution_id == user.partner_id


@rule("organisation.consent")
def _give_consent(user, organisation) -> bool:
    """Choose supporting institutions and consent to share with them: the organisation's members."""
    return _is_member(user, organisation)


@rule("organisation.support_records")
def _read_shared_records(user, organisation) -> bool:
    """The support records an institution marked shareable: the organisation's members."""
    return _is_member(user, organisation)


@rule("partners.manage")
def _manage_partners(user, obj) -> bool:
    """Institutions, their users, their supported organisations and support activity: the secretariat."""
    return user.role == Role.SECRETARIAT


# --- follow-up seminars (portal/seminars) ------------------------------------------------------

@rule("seminar.browse")
def _browse_seminars(user, obj) -> bool:
    """The seminar pages of applicants: upcoming seminars, their sign-ups and attendance."""
    return user.role == Role.APPLICANT


def _in_seminar_audience(user, seminar) -> bool:
    """Whether the user's organisation (none: only "anyone with an account") is in the audience
    the seminar was opened to: registrants, registrants and applicants, or anyone."""
    from portal.seminars.queries import audiences_of

    if user.role != Role.APPLICANT:
        return False
    organisation_id = user.membership.organisation_id if user.membership is not None else None
    return seminar.audience in audiences_of(organisation_id)


@rule("seminar.view")
def _view_seminar(user, seminar) -> bool:
    """A seminar's page: an applicant in its audience, or whose organisation signed up for it
    (it stays visible to them after the audience or their registration changed)."""
    from portal.seminars.queries import has_signed_up

    if user.role != Role.APPLICANT:
        return False
    return _in_seminar_audience(user, seminar) or (
        user.membership is not None and has_signed_up(seminar.id, user.membership.organisation_id))


@rule("seminar.signup")
def _sign_up_for_seminar(user, seminar) -> bool:
    """Sign one's organisation up: a member, the organisation in the seminar's audience. The
    window, the seats and the seminar's state are the operation's to check (with a message)."""
    return user.role == Role.APPLICANT and user.membership is not None and _in_seminar_audience(user, seminar)


@rule("seminar.manage")
def _manage_seminars(user, obj) -> bool:
    """Schedule, edit and cancel seminars, read and export the attendee lists, mark attendance."""
    return user.role == Role.SECRETARIAT


def _own_signup(user, signup) -> bool:
    return (user.role == Role.APPLICANT and user.membership is not None and signup is not None
            and user.membership.organisation_id == signup.organisation_id)


@rule("signup.view")
def _view_signup(user, signup) -> bool:
    """A sign-up's calendar file: a member of the organisation that signed up."""
    return _own_signup(user, signup)


@rule("signup.cancel")
def _cancel_signup(user, signup) -> bool:
    """Cancel a sign-up: any member of the organisation that signed up."""
    return _own_signup(user, signup)


# --- yearly progress reports on key actions (portal/reports) -----------------------------------

def _report_registration(obj):
    """A report's registration, or the registration itself."""
    from portal.reports.models import ProgressReport

    return obj.registration if isinstance(obj, ProgressReport) else obj


@rule("report.file")
def _file_progress_report(user, registration) -> bool:
    """File or edit a progress report: a member of the registered organisation while the
    registration is valid (the period's window is the operation's to check, with a message)."""
    return registration is not None and _is_member(user, registration.organisation) and _registration_is_live(
        registration)


@rule("report.view")
def _view_progress_reports(user, obj) -> bool:
    """A registration's reports and trend, or one report: its organisation's members, and staff."""
    registration = _report_registration(obj)
    return registration is not None and (user.role.is_staff or _is_member(user, registration.organisation))


@rule("reports.view")
def _read_report_figures(user, obj) -> bool:
    """Periods, response rates, overdue registrants, shares on track and exports: staff (read)."""
    return user.role.is_staff


@rule("reports.manage")
def _manage_report_periods(user, obj) -> bool:
    """Open reporting periods: the secretariat."""
    return user.role == Role.SECRETARIAT


# --- claims: taking over a registration imported from before the portal (portal/claims) -------

@rule("claim.make")
def _make_claim(user, obj) -> bool:
    """An applicant account without an organisation (the pages tell an unverified one to
    confirm its address first; the operations refuse it)."""
    return user.role == Role.APPLICANT and user.membership is None


@rule("claims.manage")
def _manage_claims(user, obj) -> bool:
    """Waiting claims, their approval or refusal, claim letters and the claimed/unclaimed list:
    the secretariat."""
    return user.role == Role.SECRETARIAT


# --- system --------------------------------------------------------------------------------

@rule("system.view")
def _view_system(user, obj) -> bool:
    """The system page: mail outbox, recent errors, migrations and version; retrying mail."""
    return user.role == Role.SECRETARIAT


# --- contact details (portal/contacts) --------------------------------------------------------

@rule("contacts.prefecture")
def _keep_prefecture_contact(user, obj) -> bool:
    """The secretariat's contact block (footer, error pages, /verify, registration mails): the
    secretariat."""
    return user.role == Role.SECRETARIAT


@rule("contacts.city")
def _keep_city_contact(user, obj) -> bool:
    """The logo office's contact block (footer, logo-permit mails): the city, whose permits they
    are (as it keeps the KPI targets); the prefecture's staff see it on their own block's page."""
    return user.role == Role.CITY


# --- inquiries (portal/inquiries) -------------------------------------------------------------

def answering_offices(user) -> tuple[str, ...]:
    """The offices whose inquiries the user answers: the prefecture's staff the secretariat's
    ("prefecture"), the city's staff the logo office's ("city"); nobody else any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    if user.role.is_staff:
        return ("prefecture",)
    if user.role == Role.CITY:
        return ("city",)
    return ()


@rule("inquiry.ask")
def _ask(user, obj) -> bool:
    """Ask an office a question as oneself, and list one's inquiries: applicant and partner
    accounts (visitors ask without an account, by a confirmed address; the offices' own staff
    do not ask themselves)."""
    return user.role in (Role.APPLICANT, Role.PARTNER)


@rule("inquiry.view")
def _view_own_inquiry(user, inquiry) -> bool:
    """Read one's inquiry and reply to it: the account that asked it (anyone else: 404)."""
    return inquiry is not None and inquiry.user_id is not None and inquiry.user_id == user.id


@rule("inquiries.answer")
def _answer_inquiries(user, obj) -> bool:
    """The list of inquiries to answer: the prefecture's staff and the city's staff (each sees
    their own office's)."""
    return bool(answering_offices(user))


@rule("inquiry.answer")
def _answer_inquiry(user, inquiry) -> bool:
    """Read, answer, note and close an inquiry: staff of the office it was asked of, once it is
    confirmed (the secretariat's go to reviewers and the secretariat, logo questions to the city)."""
    from portal.inquiries.models import InquiryState

    return (inquiry is not None and inquiry.office in answering_offices(user)
            and inquiry.state != InquiryState.UNCONFIRMED)
