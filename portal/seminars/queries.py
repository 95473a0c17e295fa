"""Seminars in SQL: who belongs to which audience, the lists (a fixed number of queries however
many sign-ups there are), waiting-list positions, and an organisation's attendance history.

`attendance_of(organisation_ids)` is the entry point other features use (the partners' view of
the registrants that consented to them): plain records, no ORM objects.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import g
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.seminars.models import (
    LIVE,
    Seminar,
    SeminarAttendee,
    SeminarAudience,
    SeminarSignup,
    SeminarState,
    SignupState,
)

# The applications that make an organisation an applicant: submitted at least once and not
# withdrawn (a draft nobody sent is not an application yet).
NOT_APPLIED = ("draft", "withdrawn")


# --- audiences -------------------------------------------------------------------------------

def audiences_of(organisation_id: int | None, today: date | None = None) -> frozenset[SeminarAudience]:
    """The audiences an organisation belongs to on `today` (JST): anyone with an account; with
    registrants and applicants once it has an application or a registration; registrants while
    a registration is active (CONTRACT.md's meaning of active). One query, remembered for the
    request (a list asks once, not once per seminar)."""
    if organisation_id is None:
        return frozenset({SeminarAudience.EVERYONE})
    today = today or today_jst()
    cache = g.setdefault("seminar_audiences", {})
    key = (organisation_id, today)
    if key not in cache:
        from portal.applications.models import Application
        from portal.registrations.models import Registration
        from portal.registrations.queries import active_on

        registered, applied = db.session.execute(select(
            exists().where(Registration.organisation_id == organisation_id, active_on(today)),
            exists().where(Application.organisation_id == organisation_id, Application.state.notin_(NOT_APPLIED)),
        )).one()
        found = {SeminarAudience.EVERYONE}
        if registered or applied:
            found.add(SeminarAudience.REGISTRANTS_AND_APPLICANTS)
        if registered:
            found.add(SeminarAudience.REGISTRANTS)
        cache[key] = frozenset(found)
    return cache[key]


def has_signed_up(seminar_id: int, organisation_id: int) -> bool:
    """Whether the organisation ever signed up for the seminar (also a cancelled sign-up)."""
    return bool(db.session.scalar(select(exists().where(SeminarSignup.seminar_id == seminar_id,
                                                        SeminarSignup.organisation_id == organisation_id))))


# --- one sign-up -----------------------------------------------------------------------------

def _position_of(signup):
    """The waiting-list place of `signup` (1 = next in line), as a correlated count."""
    ahead = aliased(SeminarSignup)
    return (select(func.count(ahead.id))
            .where(ahead.seminar_id == signup.seminar_id, ahead.state == SignupState.WAITLISTED,
                   ahead.id <= signup.id)
            .correlate(signup).scalar_subquery())


def waitlist_position(signup: SeminarSignup) -> int | None:
    if signup.state != SignupState.WAITLISTED:
        return None
    return db.session.scalar(select(func.count(SeminarSignup.id)).where(
        SeminarSignup.seminar_id == signup.seminar_id, SeminarSignup.state == SignupState.WAITLISTED,
        SeminarSignup.id <= signup.id))


def live_signup(seminar_id: int, organisation_id: int) -> SeminarSignup | None:
    """The organisation's confirmed or waitlisted sign-up for the seminar, with its attendees."""
    return db.session.scalar(
        select(SeminarSignup)
        .where(SeminarSignup.seminar_id == seminar_id, SeminarSignup.organisation_id == organisation_id,
               SeminarSignup.state.in_(LIVE))
        .options(selectinload(SeminarSignup.attendees)))


# --- the registrant's list -------------------------------------------------------------------

@dataclass(frozen=True)
class Listed:
    seminar: Seminar
    signup: SeminarSignup | None
    position: int | None  # on the waiting list


def upcoming_for(organisation_id: int | None, audiences: frozenset[SeminarAudience],
                 now: datetime | None = None) -> list[Listed]:
    """Seminars not yet over that the organisation may sign up for, and those it signed up for
    (also when cancelled since), soonest first, each with the organisation's live sign-up and
    its waiting-list place: one query."""
    now = now or utcnow()
    if organisation_id is None:
        seminars = db.session.scalars(
            select(Seminar)
            .where(Seminar.ends_at > now, Seminar.state == SeminarState.SCHEDULED,
                   Seminar.audience.in_(audiences))
            .order_by(Seminar.starts_at, Seminar.id)).all()
        return [Listed(seminar, None, None) for seminar in seminars]
    mine = aliased(SeminarSignup)
    rows = db.session.execute(
        select(Seminar, mine, _position_of(mine))
        .outerjoin(mine, and_(mine.seminar_id == Seminar.id, mine.organisation_id == organisation_id,
                              mine.state.in_(LIVE)))
        .where(Seminar.ends_at > now,
               or_(and_(Seminar.state == SeminarState.SCHEDULED, Seminar.audience.in_(audiences)),
                   mine.id.is_not(None)))
        .order_by(Seminar.starts_at, Seminar.id)).all()
    return [Listed(seminar, signup, position) for seminar, signup, position in rows]


# --- the secretariat's lists -----------------------------------------------------------------

@dataclass(frozen=True)
class StaffRow:
    seminar: Seminar
    signups: int  # confirmed organisations
    waitlisted: int  # organisations on the waiting list
    waitlisted_seats: int


def staff_list(upcoming: bool, now: datetime | None = None) -> list[StaffRow]:
    """Upcoming seminars (soonest first) or past ones (latest first) with their sign-up counts:
    one query, the counts grouped in the database."""
    now = now or utcnow()
    counts = (select(SeminarSignup.seminar_id,
                     func.sum(case((SeminarSignup.state == SignupState.CONFIRMED, 1), else_=0)).label("confirmed"),
                     func.sum(case((SeminarSignup.state == SignupState.WAITLISTED, 1), else_=0)).label("waiting"),
                     func.sum(case((SeminarSignup.state == SignupState.WAITLISTED, SeminarSignup.seats),
                                   else_=0)).label("waiting_seats"))
              .group_by(SeminarSignup.seminar_id).subquery())
    query = (select(Seminar, func.coalesce(counts.c.confirmed, 0), func.coalesce(counts.c.waiting, 0),
                    func.coalesce(counts.c.waiting_seats, 0))
             .outerjoin(counts, counts.c.seminar_id == Seminar.id))
    if upcoming:
        query = query.where(Seminar.ends_at > now).order_by(Seminar.starts_at, Seminar.id)
    else:
        query = query.where(Seminar.ends_at <= now).order_by(Seminar.starts_at.desc(), Seminar.id.desc())
    return [StaffRow(*row) for row in db.session.execute(query).all()]


# Confirmed first, then the waiting list in arrival order, then the cancelled ones.
_STATE_ORDER = case({SignupState.CONFIRMED.value: 0, SignupState.WAITLISTED.value: 1}, value=SeminarSignup.state,
                    else_=2)


def signups_of(seminar_id: int) -> list[SeminarSignup]:
    """Every sign-up of a seminar with its organisation, contact and attendees, in the
    attendee list's order: two queries whatever their number."""
    return list(db.session.scalars(
        select(SeminarSignup).where(SeminarSignup.seminar_id == seminar_id)
        .options(joinedload(SeminarSignup.organisation), joinedload(SeminarSignup.user),
                 selectinload(SeminarSignup.attendees))
        .order_by(_STATE_ORDER, SeminarSignup.id)).unique())


def registration_numbers(organisation_ids: list[int], today: date | None = None) -> dict[int, str]:
    """The active registration number of each organisation that has one (one query)."""
    from portal.registrations.models import Registration
    from portal.registrations.queries import active_on

    if not organisation_ids:
        return {}
    rows = db.session.execute(select(Registration.organisation_id, Registration.number).where(
        Registration.organisation_id.in_(organisation_ids), active_on(today or today_jst()))
        .order_by(Registration.id)).all()
    return dict(rows)


def attendee_rows(seminar_id: int, today: date | None = None):
    """The attendee list as one flat statement (for the CSV and XLSX export): one row per seat
    of every live sign-up, confirmed first, then the waiting list in arrival order, with the
    organisation's active registration number."""
    from portal.accounts.models import User
    from portal.organisations.models import Organisation
    from portal.registrations.models import Registration
    from portal.registrations.queries import active_on

    number = (select(Registration.number)
              .where(Registration.organisation_id == Organisation.id, active_on(today or today_jst()))
              .order_by(Registration.id.desc()).limit(1).correlate(Organisation).scalar_subquery())
    return (select(SeminarSignup.id.label("signup_id"), SeminarSignup.state, SeminarSignup.seats,
                   SeminarSignup.created_at, _position_of(SeminarSignup).label("position"),
                   Organisation.id.label("organisation_id"), Organisation.name.label("organisation"),
                   number.label("registration"),
                   User.name.label("contact"), User.email.label("contact_email"),
                   Organisation.contact_phone.label("phone"), SeminarAttendee.position.label("seat"),
                   SeminarAttendee.name.label("attendee"), SeminarAttendee.attended)
            .join(Organisation, Organisation.id == SeminarSignup.organisation_id)
            .outerjoin(User, User.id == SeminarSignup.user_id)
            .join(SeminarAttendee, SeminarAttendee.signup_id == SeminarSignup.id)
            .where(SeminarSignup.seminar_id == seminar_id, SeminarSignup.state.in_(LIVE))
            .order_by(_STATE_ORDER, SeminarSignup.id, SeminarAttendee.position))


# --- attendance history ----------------------------------------------------------------------

@dataclass(frozen=True)
class Attendance:
    """One seminar an organisation had confirmed seats at, once it has begun."""

    organisation_id: int
    seminar_id: int
    title_ja: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    attended: int  # attendees marked present
    absent: int  # attendees marked absent

    @property
    def marked(self) -> bool:
        """Whether the secretariat has marked the attendance (before that, nothing is known)."""
        return self.attended + self.absent > 0

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_ja


def attendance_of(organisation_ids, now: datetime | None = None) -> dict[int, list[Attendance]]:
    """The attendance history of each organisation in `organisation_ids`: every seminar that has
    begun (not cancelled) at which it had confirmed seats, latest first, with how many of its
    attendees were marked present and absent. Every id asked for is a key (an empty list when
    it has none). One query, whatever the number of organisations."""
    ids = sorted({int(i) for i in organisation_ids})
    history: dict[int, list[Attendance]] = {i: [] for i in ids}
    if not ids:
        return history
    now = now or utcnow()
    rows = db.session.execute(
        select(SeminarSignup.organisation_id, Seminar.id, Seminar.title_ja, Seminar.title_en, Seminar.starts_at,
               Seminar.ends_at, SeminarSignup.seats,
               func.sum(case((SeminarAttendee.attended.is_(True), 1), else_=0)),
               func.sum(case((SeminarAttendee.attended.is_(False), 1), else_=0)))
        .join(Seminar, Seminar.id == SeminarSignup.seminar_id)
        .join(SeminarAttendee, SeminarAttendee.signup_id == SeminarSignup.id)
        .where(SeminarSignup.organisation_id.in_(ids), SeminarSignup.state == SignupState.CONFIRMED,
               Seminar.state == SeminarState.SCHEDULED, Seminar.starts_at <= now)
        .group_by(SeminarSignup.organisation_id, SeminarSignup.id, Seminar.id, Seminar.title_ja, Seminar.title_en,
                  Seminar.starts_at, Seminar.ends_at, SeminarSignup.seats)
        .order_by(SeminarSignup.organisation_id, Seminar.starts_at.desc(), Seminar.id.desc())).all()
    for row in rows:
        history[row[0]].append(Attendance(*row[:7], attended=int(row[7] or 0), absent=int(row[8] or 0)))
    return history
