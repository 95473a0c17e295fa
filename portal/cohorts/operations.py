"""Cohort operations: the only place cohorts change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import defer, lazyload, selectinload

from portal.cohorts.models import DISPLAY_NAME_MAX, TRANSITIONS, Cohort, CohortState
from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db

# Applications in these states do not block the decision: recommended ones are decided by it,
# the others are settled already, and a draft never submitted simply lapses with its cohort.
DECIDABLE = {"recommended_approval", "recommended_rejection", "withdrawn", "approved", "rejected", "draft"}


class CohortError(ValueError):
    """A cohort operation that is not allowed in the cohort's present state."""


def plan_cohort(
    number: int,
    opens_at: datetime,
    closes_at: datetime,
    checklist_version: str | None = None,
    decision_planned_on: date | None = None,
    actor=None,
    display_name: str | None = None,
) -> Cohort:
    """Create cohort `number` in state planned, with its JST application window (stored UTC) and
    its checklist version (by default the newest: a cohort planned now answers today's checklist,
    while earlier cohorts keep the version they were planned with)."""
    if closes_at <= opens_at:
        raise CohortError("the window must close after it opens")
    if checklist_version is None:
        from portal.applications.checklist import latest_version

        checklist_version = latest_version()
    cohort = Cohort(
        number=number,
        opens_at=opens_at,
        closes_at=closes_at,
        checklist_version=checklist_version,
        decision_planned_on=decision_planned_on,
        display_name=clean_display_name(display_name),
    )
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.planned", cohort, {"number": number, "display_name": cohort.display_name}, actor=actor)
    return cohort


def record_past_cohort(number: int, opens_at: datetime, closes_at: datetime, decided_on: date,
                       display_name: str | None = None, checklist_version: str = "1", actor=None) -> Cohort:
    """A cohort decided before the portal, with the window it was run with, created decided and
    imported (its registrations come from `import_rows`, which finds it by number)."""
    if closes_at <= opens_at:
        raise CohortError("the window must close after it opens")
    cohort = Cohort(number=number, state=CohortState.DECIDED, opens_at=opens_at, closes_at=closes_at,
                    checklist_version=checklist_version, decision_planned_on=decided_on, decided_on=decided_on,
                    imported=True, display_name=clean_display_name(display_name))
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.imported", cohort, {"number": number, "decided_on": decided_on.isoformat(),
                                             "display_name": cohort.display_name}, actor=actor)
    return cohort


def clean_display_name(name: str | None) -> str | None:
    """A display name as stored: spaces around it (full-width too) trimmed, blank → None (the
    cohort is 「第N期」 again). Longer than DISPLAY_NAME_MAX: CohortError("name_too_long")."""
    name = (name or "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise CohortError("name_too_long")
    return name or None


def rename_cohort(cohort: Cohort, name: str | None, actor=None) -> bool:
    """Give the cohort its display name (「令和4年度第2期」), or blank to name it 「第N期」 again.
    Any state: a decided cohort may be renamed, its registration numbers stay KSnn-nnnn.
    Returns whether anything changed (an unchanged name is not audited)."""
    name = clean_display_name(name)
    if name == cohort.display_name:
        return False
    audit.record("cohort.renamed", cohort, {"display_name": [cohort.display_name, name]}, actor=actor)
    cohort.display_name = name
    return True


def move_cohort(cohort: Cohort, to: CohortState, actor=None) -> None:
    """Move a cohort along the transition table (deciding has its own operation)."""
    if to not in TRANSITIONS[cohort.state] or to == CohortState.DECIDED:
        raise CohortError(f"a {cohort.state} cohort cannot become {to}")
    audit.record("cohort.state", cohort, {"state": [cohort.state.value, to.value]}, actor=actor)
    cohort.state = to


@dataclass(frozen=True)
class Decision:
    registered: int
    renewed: int
    rejected: int
    already_decided: bool = False


def decision_preview(cohort: Cohort) -> dict[str, int]:
    """How many applications the decision would approve, reject, and how many are undecided."""
    from portal.applications.models import Application
    from portal.applications.workflow import ApplicationState as S

    counts = dict(db.session.execute(
        select(Application.state, func.count()).where(Application.cohort_id == cohort.id).group_by(Application.state)
    ).all())
    undecided = sum(n for state, n in counts.items() if state not in DECIDABLE)
    # A rejection tells the applicant why: the secretariat gives each its reason first.
    without_reason = db.session.scalar(select(func.count()).where(
        Application.cohort_id == cohort.id, Application.state == S.RECOMMENDED_REJECTION,
        Application.rejection_reason.is_(None))) if counts.get(S.RECOMMENDED_REJECTION) else 0
    return {"approve": counts.get(S.RECOMMENDED_APPROVAL, 0), "reject": counts.get(S.RECOMMENDED_REJECTION, 0),
            "undecided": undecided, "without_reason": without_reason}


def decision_order() -> tuple:
    """The order in which a decision numbers the new registrations of a cohort (and mails its
    results): first submitted first, ties by application number. The 決裁 list shows the numbers
    the decision would give in the same order (portal.cohorts.approval)."""
    from portal.applications.models import Application, ApplicationRevision

    first_submitted = (select(func.min(ApplicationRevision.submitted_at))
                       .where(ApplicationRevision.application_id == Application.id).scalar_subquery())
    return first_submitted, Application.id


def numbered(new: list) -> list[tuple[int, object]]:
    """Each new registration's sequence in its cohort, in decision order: 1, 2, … without gaps."""
    return list(enumerate(new, start=1))


def move_undecided(cohort: Cohort, target: Cohort | None, shown: dict[int, int], actor, reason: str) -> int:
    """Move every undecided application of `cohort` to the later cohort `target` with one reason
    (the cohort page's "move all of them"), through the batch of `move_applications` (audited and
    mailed per application). `shown` is what the page listed: application id -> version. When
    the undecided applications are no longer exactly those, in those versions, nothing moves
    (ApplicationError "move_changed"). Returns how many were moved."""
    from portal.applications import operations as applications
    from portal.applications.models import Application

    undecided = db.session.scalars(select(Application).where(
        Application.cohort_id == cohort.id, Application.state.not_in(DECIDABLE)).order_by(Application.id)).all()
    if not undecided and not shown:
        raise applications.ApplicationError("move_nothing")
    if {a.id for a in undecided} != set(shown):
        raise applications.ApplicationError("move_changed")
    applications.move_applications(undecided, target, actor, reason, versions=shown)
    return len(undecided)


def decide_cohort(cohort: Cohort, decided_on: date, actor) -> Decision:
    """決定 — decide a closed cohort in one act (all or nothing, in the caller's transaction).

    Every application recommended for approval is approved: a new one becomes a registration
    numbered KSnn-0001… without gaps, in order of first submission, valid three years, with
    the first dated version of its certified details (where the registrant is on the decision
    day); a renewal extends its registration by three years under the same number and changes
    nothing else it certifies. Every one
    recommended for rejection is rejected. Each member of each organisation is mailed, and each
    user of an institution a registered organisation consents to (one mail listing them).
    Deciding again changes nothing; of two people deciding at once, one decides.
    """
    from portal.applications.models import Application, ApplicationKind
    from portal.applications.workflow import ApplicationState as S
    from portal.applications.content import goals_of
    from portal.organisations.models import Membership, Organisation
    from portal.registrations import details
    from portal.registrations.models import Registration, RegistrationGoal
    from portal.registrations.terms import TERM_YEARS, add_months, term_end

    if cohort.state == CohortState.DECIDED:
        return Decision(0, 0, 0, already_decided=True)
    if cohort.state != CohortState.CLOSED:
        raise CohortError("not_closed")
    preview = decision_preview(cohort)
    if preview["undecided"]:
        raise CohortError("undecided")
    if preview["without_reason"]:
        raise CohortError("without_reason")
    # The claim: only one transaction moves the cohort from closed to decided.
    claimed = db.session.execute(
        update(Cohort).where(Cohort.id == cohort.id, Cohort.state == CohortState.CLOSED)
        .values(state=CohortState.DECIDED, decided_on=decided_on).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return Decision(0, 0, 0, already_decided=True)

    decided = db.session.scalars(
        select(Application)
        .where(Application.cohort_id == cohort.id,
               Application.state.in_((S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION)))
        .order_by(*decision_order())
        # The answers and files are not needed to decide: loading them was a quarter of the time.
        .options(defer(Application.content), lazyload(Application.attachments),
                 selectinload(Application.organisation).selectinload(Organisation.memberships)
                 .selectinload(Membership.user))
    ).all()
    approved = [a for a in decided if a.state == S.RECOMMENDED_APPROVAL]
    new = [a for a in approved if a.kind == ApplicationKind.NEW]
    renewals = [a for a in approved if a.kind == ApplicationKind.RENEWAL]
    rejected = [a for a in decided if a.state == S.RECOMMENDED_REJECTION]

    valid_until = term_end(decided_on)
    rows = [{"number": Registration.format_number(cohort.number, n), "cohort_id": cohort.id, "sequence": n,
             "organisation_id": a.organisation_id, "state": "active", "registered_on": decided_on,
             "valid_until": valid_until, "municipality_code": a.organisation.municipality_code,
             "in_city": a.organisation.in_city, "created_at": utcnow()} for n, a in numbered(new)]
    numbers = {}
    if rows:
        inserted = db.session.execute(insert(Registration).returning(Registration.id, Registration.sequence), rows)
        numbers = {sequence: registration_id for registration_id, sequence in inserted}
    registration_of = {a.id: numbers[n] for n, a in numbered(new)}
    renewed_of = {a.id: a.registration_id for a in renewals}
    # Each new registration's first dated version of its certified details (one statement).
    details.add_first([(numbers[n], a.organisation, decided_on) for n, a in numbered(new)])

    if renewals:
        renewed_ids = [a.registration_id for a in renewals]
        terms = dict(db.session.execute(select(Registration.id, Registration.valid_until).where(
            Registration.id.in_(renewed_ids))).all())
        # A renewal only extends the term: where the registrant was at its first decision stays
        # that cohort's figure, and a move since counts from the 変更届 that reported it.
        db.session.execute(update(Registration), [
            {"id": a.registration_id, "valid_until": add_months(terms[a.registration_id], 12 * TERM_YEARS)}
            for a in renewals])
        db.session.execute(delete(RegistrationGoal).where(RegistrationGoal.registration_id.in_(renewed_ids)))
    # The goals of the approved key actions, for the directory, the open data and the KPI
    # (the answers themselves were not loaded above; only the approved ones are read, as rows).
    if approved:
        contents = db.session.execute(select(Application.id, Application.content)
                                      .where(Application.id.in_([a.id for a in approved]))).all()
        goal_rows = [{"registration_id": registration_of.get(application_id) or renewed_of[application_id],
                      "goal": goal}
                     for application_id, content in contents for goal in goals_of(content or {})]
        if goal_rows:
            db.session.execute(insert(RegistrationGoal), goal_rows)
    # One executemany; the version moves on, so a page loaded before the decision cannot save over it.
    table = Application.__table__
    changes = ([{"b_id": a.id, "b_state": S.APPROVED.value,
                 "b_registration": registration_of.get(a.id, a.registration_id)} for a in approved]
               + [{"b_id": a.id, "b_state": S.REJECTED.value, "b_registration": a.registration_id}
                  for a in rejected])
    if changes:  # (a cohort may have nothing to decide: every application withdrawn or a draft)
        db.session.execute(
            table.update().where(table.c.id == bindparam("b_id"))
            .values(state=bindparam("b_state"), registration_id=bindparam("b_registration"),
                    version=table.c.version + 1),
            changes)

    audit.record("cohort.decided", cohort, {"state": ["closed", "decided"], "registered": len(new),
                                            "renewed": len(renewals), "rejected": len(rejected)}, actor=actor)
    audit.record_many("application.approved", "applications",
                      [(a.id, {"state": [S.RECOMMENDED_APPROVAL.value, S.APPROVED.value]}) for a in approved], actor)
    audit.record_many("application.rejected", "applications",
                      [(a.id, {"state": [S.RECOMMENDED_REJECTION.value, S.REJECTED.value]}) for a in rejected], actor)
    _mail_decisions(cohort, approved, rejected, registration_of, decided_on)
    db.session.expire_all()
    return Decision(len(new), len(renewals), len(rejected))


def _mail_decisions(cohort, approved, rejected, registration_of, decided_on) -> None:
    """Each member of each decided organisation hears the result: a registration's number and
    term, or a rejection's reason as the secretariat gave it to the applicant."""
    from portal.core.links import external_url
    from portal.core.outbox import queue_many
    from portal.registrations.models import Registration

    mails = []
    approved_ids = {a.id for a in approved}
    # The number and term each approved application now has (a renewal keeps its number; its
    # term was extended above).
    terms = {registration_id: (number, until) for registration_id, number, until in db.session.execute(
        select(Registration.id, Registration.number, Registration.valid_until).where(Registration.id.in_(
            [registration_of.get(a.id, a.registration_id) for a in approved])))} if approved else {}
    for application, template in [(a, "cohorts/mail/approved.txt") for a in approved] + \
            [(a, "cohorts/mail/rejected.txt") for a in rejected]:
        if application.id in approved_ids:  # the registration page: number, term, certificate
            link = external_url("registrations.show",
                                registration_id=registration_of.get(application.id, application.registration_id))
        else:
            link = external_url("applications.status", application_id=application.id)
        for membership in application.organisation.memberships:
            member = membership.user
            number, until = terms.get(registration_of.get(application.id, application.registration_id), (None, None))
            mails.append({"recipient": member.email, "template": template, "locale": member.locale,
                          "user": member, "organisation": application.organisation, "cohort": cohort,
                          "renewal": application.kind == "renewal", "link": link, "number": number,
                          "valid_until": until, "decided_on": decided_on, "application": application})
    # The supporting institutions that the registered organisations consent to hear of it too.
    from portal.partners.notifications import registered_mails

    queue_many(mails + registered_mails(cohort, approved, registration_of))
