"""The review desk's own operations: recording a check made outside the portal (県税の滞納確認,
暴力団排除の照会) and finding the other applications and registrations with the same 法人番号.

Each write is audited on the application (its staff timeline shows it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.core import audit
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.organisations.models import Organisation
from portal.review.models import ExternalCheck, ExternalCheckKind, ExternalCheckResult

S = ApplicationState

# Checks are recorded while the application is being decided on: not on a draft, not after
# the decision or a withdrawal.
CHECKABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION})
NOTE_MAX = 1000


class ExternalCheckError(ValueError):
    """A check that cannot be recorded; `code` names why (see forms.EXTERNAL_CHECK_ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def record_external_check(application: Application, kind: ExternalCheckKind, checked_on: date,
                          result: ExternalCheckResult, note: str, actor,
                          today: date | None = None) -> ExternalCheck:
    """Record that `kind` was checked on `checked_on` with `result` (the latest record of a
    kind is the one that counts; earlier ones stay as the history)."""
    if application.state not in CHECKABLE:
        raise ExternalCheckError("not_checkable")
    today = today or today_jst()
    if checked_on > today:
        raise ExternalCheckError("future")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ExternalCheckError("note_too_long")
    check = ExternalCheck(application_id=application.id, kind=ExternalCheckKind(kind), checked_on=checked_on,
                          result=ExternalCheckResult(result), note=note or None,
                          recorded_by_id=getattr(actor, "id", None))
    db.session.add(check)
    db.session.flush()
    audit.record("application.external_check_recorded", application,
                 {"kind": check.kind.value, "checked_on": checked_on.isoformat(), "result": check.result.value,
                  "check": check.id}, actor=actor)
    return check


@dataclass(frozen=True)
class RecordedCheck:
    kind: ExternalCheckKind
    check: ExternalCheck | None  # the latest, None when not recorded yet
    recorded_by: str | None
    earlier: int  # how many earlier records of this kind


def external_checks(application: Application) -> list[RecordedCheck]:
    """Per kind (in a fixed order), the latest record with the name of who recorded it."""
    from portal.accounts.models import User

    rows = db.session.execute(
        select(ExternalCheck, User.name).outerjoin(User, User.id == ExternalCheck.recorded_by_id)
        .where(ExternalCheck.application_id == application.id)
        .order_by(ExternalCheck.checked_on.desc(), ExternalCheck.id.desc())).all()
    found = []
    for kind in ExternalCheckKind:
        mine = [(check, name) for check, name in rows if check.kind == kind]
        latest, name = mine[0] if mine else (None, None)
        found.append(RecordedCheck(kind, latest, name, max(len(mine) - 1, 0)))
    return found


@dataclass(frozen=True)
class SameNumber:
    """What else carries the application's 法人番号."""
    corporate_number: str
    applications: list[Application]
    registrations: list  # Registration


def same_corporate_number(application: Application, content: dict | None = None) -> SameNumber | None:
    """The other applications (not withdrawn) and the registrations that carry this
    application's 法人番号 (as submitted, else the organisation's), or None when it has none or
    nothing else carries it. A renewal's own registration is not counted. Nothing is checked
    online: this compares what the portal holds."""
    from portal.registrations.models import Registration

    number = ((content or {}).get("profile") or {}).get("corporate_number") or \
        application.organisation.corporate_number
    if not number:
        return None
    holders = select(Organisation.id).where(Organisation.corporate_number == number)
    applications = list(db.session.scalars(
        select(Application).where(Application.organisation_id.in_(holders), Application.id != application.id,
                                  Application.state != S.WITHDRAWN)
        .order_by(Application.id.desc())))
    registrations = select(Registration).where(Registration.organisation_id.in_(holders))
    if application.registration_id:
        registrations = registrations.where(Registration.id != application.registration_id)
    found = list(db.session.scalars(registrations.order_by(Registration.id.desc())))
    if not applications and not found:
        return None
    return SameNumber(number, applications, found)
