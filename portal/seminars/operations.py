"""Seminar operations: the only place seminars, sign-ups and attendance change.

Every change to a seminar's seats — a sign-up, a cancellation, a promotion from the waiting
list, a new capacity, the seminar's cancellation — first locks the seminar's row (`_locked`)
and only then reads what it decides on: of fifty organisations signing up at once for ten
seats, exactly ten get them and the others wait in the order they came; the database refuses
more confirmed seats than the capacity in any case (a check constraint).

Each operation checks what it is asked, changes the data, writes the audit log and queues the
mails it names, in each recipient's language (sent after commit). A single action and a batch
go through the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from portal.core import audit, deadlines
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST, jst
from portal.core.links import external_url
from portal.core.outbox import queue_mail, queue_many
from portal.seminars import calendar
from portal.seminars.models import (
    LIVE,
    MAX_SEATS_PER_ORGANISATION,
    TRANSITIONS,
    Seminar,
    SeminarAttendee,
    SeminarAudience,
    SeminarSignup,
    SeminarState,
    SignupState,
)

NAME_LENGTH = 100
# What a seminar is made of; create and update take these keys.
FIELDS = ("title_ja", "title_en", "description_ja", "description_en", "starts_at", "ends_at", "venue",
          "online_url", "capacity", "seats_per_organisation", "signup_opens_at", "signup_closes_at", "audience")
# A change of these is news for everyone signed up (and for their calendars).
TIME_AND_PLACE = ("starts_at", "ends_at", "venue", "online_url")


class SeminarError(ValueError):
    """An operation that is not allowed now; `code` names why, `details` fill the message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


ERRORS = {
    "cancelled": _l("This seminar has been cancelled."),
    "not_open_yet": _l("Sign-up for this seminar opens on %(date)s."),
    "closed": _l("Sign-up for this seminar has closed."),
    "no_organisation": _l("Seminars are booked per organisation: create your organisation's profile first."),
    "not_eligible": _l("This seminar is not open to your organisation."),
    "seats": _l("Enter 1 or more seats."),
    "over_limit": _l("Each organisation may book at most %(limit)s seats for this seminar."),
    "names": _l("Enter the name of each attendee: one name per seat."),
    "already": _l("Your organisation has already signed up for this seminar."),
    "signup_cancelled": _l("This sign-up had already been cancelled."),
    "started": _l("This seminar has already begun, so the sign-up can no longer be cancelled."),
    "ended": _l("This seminar is over, so it can no longer be cancelled."),
    "incomplete": _l("Give the title in Japanese and in English, the description in Japanese, the times and "
                     "the sign-up window."),
    "end_before_start": _l("The seminar must end after it starts."),
    "window_order": _l("Sign-up must close after it opens."),
    "window_after_start": _l("Sign-up must close no later than the seminar starts."),
    "capacity": _l("The capacity must be 1 seat or more."),
    "limit_range": _l("Seats per organisation must be between 1 and %(max)s, and no more than the capacity."),
    "capacity_below_confirmed": _l("Seats confirmed already: %(seats)s. The capacity cannot be lower than that."),
    "no_place": _l("Give the venue, the online link, or both."),
    "online_url": _l("Enter the full link, starting with https://."),
    "changed": _l("Someone else changed this seminar meanwhile. Their change is shown below: please check "
                  "it and make yours again."),
    "too_early": _l("Attendance can be marked from the day of the seminar."),
    "reason_required": _l("Give the reason for the cancellation: it is sent to everyone signed up."),
}


def error_text(error: SeminarError) -> str:
    message = str(ERRORS.get(error.code, _l("This cannot be done now.")))
    try:
        return message % error.details if error.details else message
    except (KeyError, TypeError, ValueError):
        return message


# --- the lock ----------------------------------------------------------------------------------

def _locked(seminar_id: int) -> Seminar:
    """The seminar, locked until the transaction ends and read again once locked.

    PostgreSQL: SELECT … FOR UPDATE, so every change to one seminar's seats waits for the one
    before it to commit, then reads what it left. SQLite ignores FOR UPDATE but admits one
    writer at a time: writing to the row first takes that lock (the others wait for it: the
    busy timeout in portal/config.py) before anything is read. Every operation below that
    counts seats calls this first, so two of them never decide on the same count.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Seminar).where(Seminar.id == seminar_id).values(id=Seminar.id)
                           .execution_options(synchronize_session=False))
    seminar = db.session.scalar(select(Seminar).where(Seminar.id == seminar_id).with_for_update()
                                .execution_options(populate_existing=True))
    if seminar is None:
        raise SeminarError("cancelled")
    return seminar


# --- the secretariat: schedule, edit, cancel -----------------------------------------------------

def _clean(data: dict) -> dict:
    values = {field: data.get(field) for field in FIELDS}
    for field in ("title_ja", "title_en", "description_ja", "description_en", "venue", "online_url"):
        values[field] = (values[field] or "").strip() or None
    values["audience"] = SeminarAudience(values["audience"] or SeminarAudience.REGISTRANTS)
    return values


def _check(values: dict) -> None:
    """The seminar's invariants (the database's check constraints, in words)."""
    if not (values["title_ja"] and values["title_en"] and values["description_ja"]):
        raise SeminarError("incomplete")
    if None in (values["starts_at"], values["ends_at"], values["signup_opens_at"], values["signup_closes_at"]):
        raise SeminarError("incomplete")
    if values["ends_at"] <= values["starts_at"]:
        raise SeminarError("end_before_start")
    if values["signup_closes_at"] <= values["signup_opens_at"]:
        raise SeminarError("window_order")
    if values["signup_closes_at"] > values["starts_at"]:
        raise SeminarError("window_after_start")
    if values["capacity"] is None or values["capacity"] < 1:
        raise SeminarError("capacity")
    limit = values["seats_per_organisation"]
    if limit is None or not 1 <= limit <= min(values["capacity"], MAX_SEATS_PER_ORGANISATION):
        raise SeminarError("limit_range", max=MAX_SEATS_PER_ORGANISATION)
    if not values["venue"] and not values["online_url"]:
        raise SeminarError("no_place")
    # The link is put in pages and mails as a link: a web address, never javascript: or the like.
    if values["online_url"] and not values["online_url"].lower().startswith(("https://", "http://")):
        raise SeminarError("online_url")


def create_seminar(data: dict, actor) -> Seminar:
    """Schedule a seminar (FIELDS; times UTC-aware). It is listed for its audience at once and
    takes sign-ups during its window. Audited; nobody is mailed."""
    values = _clean(data)
    _check(values)
    seminar = Seminar(**values, created_by_id=getattr(actor, "id", None))
    db.session.add(seminar)
    db.session.flush()
    audit.record("seminar.created", seminar, {"title": seminar.title_ja, "starts_at": seminar.starts_at.isoformat(),
                                              "capacity": seminar.capacity}, actor=actor)
    return seminar


def update_seminar(seminar: Seminar, data: dict, actor, version: int | None = None,
                   now: datetime | None = None) -> dict:
    """Change a seminar (FIELDS). Refused when it was cancelled, when `version` (the one the
    form was loaded with) is no longer current, or when the capacity would fall below the seats
    confirmed. A larger capacity promotes from the waiting list (each promoted contact mailed);
    a new time or place raises the calendar SEQUENCE, resets the reminders and mails everyone
    signed up (confirmed ones with the new .ics). Returns the changed fields ({} for none)."""
    now = now or utcnow()
    seminar = _locked(seminar.id)
    if version is not None and seminar.version != version:
        raise SeminarError("changed")
    if seminar.cancelled:
        raise SeminarError("cancelled")
    values = _clean(data)
    _check(values)
    if values["capacity"] < seminar.seats_confirmed:
        raise SeminarError("capacity_below_confirmed", seats=seminar.seats_confirmed)
    moved = any(values[field] != getattr(seminar, field) for field in TIME_AND_PLACE)
    changes = audit.diff(seminar, values)
    if not changes:
        return {}
    seminar.version += 1
    if moved:
        seminar.sequence += 1
        db.session.execute(update(SeminarSignup).where(SeminarSignup.seminar_id == seminar.id,
                                                      SeminarSignup.state.in_(LIVE))
                           .values(reminded_at=None).execution_options(synchronize_session="fetch"))
    audit.record("seminar.updated", seminar, changes, actor=actor)
    promoted = _promote(seminar, now, actor)
    if moved:
        told = [s for s in _live_signups(seminar.id) if s not in promoted]
        _notify(told, "seminars/mail/changed.txt", with_calendar=True)
    return changes


def cancel_seminar(seminar: Seminar, actor, reason: str, now: datetime | None = None) -> int:
    """Cancel a seminar that is not over, with a reason (required): state cancelled. Every
    organisation signed up — confirmed or waiting — is mailed the reason (the confirmed ones
    with a cancelling .ics). Sign-ups keep their state, for the record. Returns the number of
    sign-ups told."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise SeminarError("reason_required")
    seminar = _locked(seminar.id)
    if seminar.cancelled:
        raise SeminarError("cancelled")
    if seminar.ended(now):
        raise SeminarError("ended")
    seminar.state = SeminarState.CANCELLED
    seminar.cancelled_at = now
    seminar.cancel_reason = reason
    seminar.sequence += 1
    seminar.version += 1
    audit.record("seminar.cancelled", seminar, {"state": [SeminarState.SCHEDULED.value, SeminarState.CANCELLED.value],
                                                "reason": reason}, actor=actor)
    signups = _live_signups(seminar.id)
    _notify(signups, "seminars/mail/seminar_cancelled.txt", with_calendar=True, cancelled=True)
    return len(signups)


# --- sign-ups ------------------------------------------------------------------------------------

def sign_up(seminar: Seminar, user, seats: int, names: list[str], now: datetime | None = None) -> SeminarSignup:
    """Sign the user's organisation up for `seats` seats, one attendee name per seat.

    Confirmed when the seats are free, otherwise on the waiting list (all or nothing: a
    sign-up is never split). Refused, with the reason, when the seminar is cancelled, outside
    its sign-up window, not open to the organisation, for fewer than 1 or more than the
    per-organisation seats, with a name missing, or when the organisation has signed up
    already. The contact (the user) is mailed: confirmed with the .ics, or waitlisted with
    the place in line. Audited.
    """
    from portal.core.permissions import may

    if user.membership is None:
        raise SeminarError("no_organisation")
    organisation_id = user.membership.organisation_id
    seminar = _locked(seminar.id)
    # The time is read once the lock is held, so the sign-ups' times follow their order.
    now = now or utcnow()
    if seminar.cancelled:
        raise SeminarError("cancelled")
    if now < seminar.signup_opens_at:
        raise SeminarError("not_open_yet", date=deadlines.opening(seminar.signup_opens_at))
    if now >= seminar.signup_closes_at:
        raise SeminarError("closed")
    if not may(user, "seminar.signup", seminar):
        raise SeminarError("not_eligible")
    if seats is None or seats < 1:
        raise SeminarError("seats")
    if seats > seminar.seats_per_organisation:
        raise SeminarError("over_limit", limit=seminar.seats_per_organisation)
    names = [" ".join((name or "").split()) for name in names]
    names = [name for name in names if name]
    if len(names) != seats or any(len(name) > NAME_LENGTH for name in names):
        raise SeminarError("names")
    if db.session.scalar(select(SeminarSignup.id).where(SeminarSignup.seminar_id == seminar.id,
                                                        SeminarSignup.organisation_id == organisation_id,
                                                        SeminarSignup.state.in_(LIVE))):
        raise SeminarError("already")

    confirmed = seats <= seminar.seats_left
    signup = SeminarSignup(seminar_id=seminar.id, organisation_id=organisation_id, user_id=user.id, seats=seats,
                           state=SignupState.CONFIRMED if confirmed else SignupState.WAITLISTED,
                           created_at=now, confirmed_at=now if confirmed else None,
                           attendees=[SeminarAttendee(position=n, name=name) for n, name in enumerate(names, 1)])
    db.session.add(signup)
    if confirmed:
        seminar.seats_confirmed += seats
    db.session.flush()
    audit.record("seminar_signup.created", signup, {"seminar": seminar.id, "state": signup.state.value,
                                                    "seats": seats}, actor=user)
    if confirmed:
        _notify([signup], "seminars/mail/confirmed.txt", with_calendar=True)
    else:
        _notify([signup], "seminars/mail/waitlisted.txt")
    return signup


def cancel_signup(signup: SeminarSignup, actor, now: datetime | None = None) -> list[SeminarSignup]:
    """Cancel a confirmed or waitlisted sign-up before the seminar begins: state cancelled. Seats
    it held go to the waiting list at once (`_promote`: each promoted contact is mailed). The
    sign-up's contact is mailed a confirmation. Returns the sign-ups promoted."""
    now = now or utcnow()
    seminar = _locked(signup.seminar_id)
    db.session.refresh(signup)  # as it is now that the seminar is locked
    if SignupState.CANCELLED not in TRANSITIONS[signup.state]:
        raise SeminarError("signup_cancelled")
    if seminar.cancelled:
        raise SeminarError("cancelled")
    if seminar.started(now):
        raise SeminarError("started")
    before = signup.state
    signup.state = SignupState.CANCELLED
    signup.cancelled_at = now
    signup.cancelled_by_id = getattr(actor, "id", None)
    if before == SignupState.CONFIRMED:
        seminar.seats_confirmed -= signup.seats
    db.session.flush()
    audit.record("seminar_signup.cancelled", signup, {"seminar": seminar.id, "state": [before.value, "cancelled"],
                                                      "seats": signup.seats}, actor=actor)
    _notify([signup], "seminars/mail/signup_cancelled.txt")
    return _promote(seminar, now, actor) if before == SignupState.CONFIRMED else []


def _promote(seminar: Seminar, now: datetime, actor=None) -> list[SeminarSignup]:
    """Give free seats to the waiting list, in arrival order: each waiting sign-up that fits in
    the seats left is confirmed (one that needs more seats than are free keeps its place at the
    head, and a smaller one behind it may take the seats). Not once the seminar has begun or
    when it is cancelled. The seminar must be locked (`_locked`). Each promoted contact is
    mailed with the .ics; audited as one batch."""
    if seminar.cancelled or seminar.started(now) or seminar.seats_left == 0:
        return []
    waiting = db.session.scalars(
        select(SeminarSignup).where(SeminarSignup.seminar_id == seminar.id,
                                    SeminarSignup.state == SignupState.WAITLISTED)
        .order_by(SeminarSignup.id)).all()
    promoted = []
    for signup in waiting:
        if signup.seats <= seminar.seats_left:
            signup.state = SignupState.CONFIRMED
            signup.confirmed_at = now
            signup.promoted = True
            seminar.seats_confirmed += signup.seats
            promoted.append(signup)
        if seminar.seats_left == 0:
            break
    if promoted:
        db.session.flush()
        audit.record_many("seminar_signup.promoted", SeminarSignup.__tablename__,
                          [(s.id, {"seminar": seminar.id, "state": ["waitlisted", "confirmed"], "seats": s.seats})
                           for s in promoted], actor=actor)
        _notify(promoted, "seminars/mail/promoted.txt", with_calendar=True)
    return promoted


def _live_signups(seminar_id: int) -> list[SeminarSignup]:
    return list(db.session.scalars(
        select(SeminarSignup).where(SeminarSignup.seminar_id == seminar_id, SeminarSignup.state.in_(LIVE))
        .order_by(SeminarSignup.id)))


# --- attendance ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Marked:
    attended: int
    absent: int


def mark_attendance(seminar: Seminar, present: set[int], actor, now: datetime | None = None) -> Marked:
    """Record who came: every attendee of a confirmed sign-up is marked present when their id is
    in `present`, absent otherwise (marking again corrects it). From the seminar's day (JST) on,
    never for a cancelled seminar. Audited with the counts; nobody is mailed."""
    now = now or utcnow()
    seminar = _locked(seminar.id)
    if seminar.cancelled:
        raise SeminarError("cancelled")
    if jst(now).date() < jst(seminar.starts_at).date():
        raise SeminarError("too_early")
    attendees = db.session.scalars(
        select(SeminarAttendee).join(SeminarSignup)
        .where(SeminarSignup.seminar_id == seminar.id, SeminarSignup.state == SignupState.CONFIRMED)).all()
    attended = 0
    for attendee in attendees:
        came = attendee.id in present
        attended += came
        if attendee.attended is not came:
            attendee.attended = came
            attendee.marked_at = now
    audit.record("seminar.attendance", seminar, {"attended": attended, "absent": len(attendees) - attended},
                 actor=actor)
    return Marked(attended, len(attendees) - attended)


# --- the reminder the day before -------------------------------------------------------------------

@dataclass(frozen=True)
class Reminded:
    seminars: int
    mails: int


def send_reminders(now: datetime | None = None) -> Reminded:
    """Remind the contact of every confirmed sign-up for a seminar that starts tomorrow (JST),
    with the time, the place and — online — the link. Each sign-up is reminded once: the claim
    is one UPDATE … RETURNING of the sign-ups not reminded yet, so a second run (or a run in
    another process at the same moment) sends nothing again; a sign-up confirmed later that
    day is reminded by the next run. A new time resets the reminder (`update_seminar`)."""
    now = now or utcnow()
    tomorrow = jst(now).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=JST)
    tomorrows = select(Seminar.id).where(Seminar.state == SeminarState.SCHEDULED, Seminar.starts_at >= start,
                                         Seminar.starts_at < start + timedelta(days=1))
    claimed = list(db.session.scalars(
        update(SeminarSignup)
        .where(SeminarSignup.state == SignupState.CONFIRMED, SeminarSignup.reminded_at.is_(None),
               SeminarSignup.seminar_id.in_(tomorrows))
        .values(reminded_at=now).returning(SeminarSignup.id)
        .execution_options(synchronize_session=False)))
    if not claimed:
        return Reminded(0, 0)
    signups = db.session.scalars(
        select(SeminarSignup).where(SeminarSignup.id.in_(claimed))
        .options(joinedload(SeminarSignup.seminar), joinedload(SeminarSignup.organisation),
                 joinedload(SeminarSignup.user), selectinload(SeminarSignup.attendees))
        .order_by(SeminarSignup.id)).unique().all()
    mails = []
    for signup in signups:
        for person in _contacts(signup):
            mails.append({"recipient": person.email, "template": "seminars/mail/reminder.txt",
                          "locale": person.locale, **_mail_context(signup, person)})
    sent = queue_many(mails)
    audit.record_many("seminar_signup.reminded", SeminarSignup.__tablename__,
                      [(s.id, {"seminar": s.seminar_id}) for s in signups])
    return Reminded(len({s.seminar_id for s in signups}), sent)


# --- mails -------------------------------------------------------------------------------------------

def _contacts(signup: SeminarSignup) -> list:
    """Who hears about a sign-up: the person who made it; the organisation's members when that
    account is gone or deactivated."""
    if signup.user is not None and signup.user.active:
        return [signup.user]
    return [m.user for m in signup.organisation.memberships if m.user.active]


def _mail_context(signup: SeminarSignup, person) -> dict:
    seminar = signup.seminar
    confirmed = signup.state == SignupState.CONFIRMED
    return {"user": person, "seminar": seminar, "signup": signup, "organisation": signup.organisation,
            "title": seminar.title(person.locale), "names": [a.name for a in signup.attendees],
            # The online link goes to confirmed attendees only.
            "online_url": seminar.online_url if confirmed else None,
            "link": external_url("seminars.show", seminar_id=seminar.id)}


def _notify(signups: list[SeminarSignup], template: str, with_calendar: bool = False,
            cancelled: bool = False) -> None:
    """Mail each sign-up's contacts with `template`, in their language; the confirmed ones get
    the seminar's .ics when `with_calendar` (a cancelling one when `cancelled`)."""
    from portal.seminars.queries import waitlist_position

    for signup in signups:
        position = waitlist_position(signup)
        for person in _contacts(signup):
            context = _mail_context(signup, person)
            attachments = None
            if with_calendar and signup.state == SignupState.CONFIRMED:
                data = calendar.seminar_ics(signup.seminar, person.locale, context["link"],
                                            online_url=None if cancelled else context["online_url"],
                                            cancelled=cancelled)
                attachments = [(calendar.filename(signup.seminar), calendar.CONTENT_TYPE, data)]
            queue_mail(person.email, template, person.locale, attachments=attachments, position=position, **context)
