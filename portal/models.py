"""Every model of every feature, imported in one place for the metadata and migrations."""
from portal.accounts.models import RecoveryCode, User  # noqa: F401
from portal.cohorts.models import Cohort  # noqa: F401
from portal.core.audit import AuditEntry  # noqa: F401
from portal.core.observability import ErrorEvent  # noqa: F401
from portal.core.outbox import OutboxAttachment, OutboxMail  # noqa: F401
from portal.organisations.models import Invitation, ListingNotice, Membership, Organisation  # noqa: F401
from portal.partners.models import PartnerConsent, PartnerInstitution, SupportMenu, SupportRecord  # noqa: F401
from portal.applications.models import Application, ApplicationRevision, Attachment, ReviewComment  # noqa: F401
from portal.registrations.models import ChangeNotice, Registration  # noqa: F401
from portal.registrations.models import RegistrationDetails, RegistrationGoal  # noqa: F401
from portal.claims.models import ClaimCode, RegistrationClaim  # noqa: F401
from portal.kpi.models import KpiTarget  # noqa: F401
from portal.logos.models import LogoPermit, LogoPermitCounter, LogoUse  # noqa: F401
from portal.seminars.models import Seminar, SeminarAttendee, SeminarSignup  # noqa: F401
from portal.reports.models import ProgressReport, ReportLine, ReportPeriod, ReportReminder  # noqa: F401
from portal.contacts.models import ContactBlock  # noqa: F401
from portal.certificates.models import CeremonyPrint, IssuerSettings  # noqa: F401
from portal.inquiries.models import Inquiry, InquiryLink, InquiryMessage  # noqa: F401
from portal.review.models import ExternalCheck  # noqa: F401
from portal.core.generations import Generation  # noqa: F401
