"""`flask import-registrants`: entities registered before the portal existed (CONTRACT.md
"Import file"). All or nothing: every row is checked first, and one bad row refuses the file
with every problem named as `line N: column: reason`.

The file says who and where (as written); the portal derives the municipality, and so whether
the entity is in the city, exactly as it does for an online application. A corporation already
known to the portal without members (imported before, say) keeps its organisation; the
registration is attached to it, and certifies the organisation's details and place, not the
file's. One whose organisation has members refuses the file: a 法人番号 is public, so whoever
typed it in is not thereby the registrant; they claim the registration instead. Each
registration gets its first dated version of those details (`portal.registrations.details`).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, insert, or_, select

from portal.cohorts.models import Cohort, CohortState
from portal.core import audit, japanese, location
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst
from portal.core.reference.industries import INDUSTRIES
from portal.organisations.models import Membership, Organisation, OrganisationKind
from portal.registrations import details
from portal.registrations.models import Registration, RegistrationGoal, RegistrationState
from portal.registrations.terms import term_end

COLUMNS = ("corporate_number", "name", "name_kana", "kind", "postal_code", "address", "industry", "goals")
INDUSTRY_LETTERS = frozenset(i.code for i in INDUSTRIES)
KINDS = frozenset(k.value for k in OrganisationKind)
LIMITS = {"name": 200, "name_kana": 200, "address": 300}
HELD = ("an organisation in the portal with this number already has an account holder; import the file "
        "without this row and let them claim the registration, or check who they are")
GOVERNMENT = ("the number of a national or local government body (国・地方公共団体), which cannot be "
              "registered")
# Profile fields an import file does not carry; the registrant fills them in later.
NOT_IN_FILE = {"representative_title": "", "representative_name": "", "contact_name": "", "contact_phone": "",
               "contact_email": ""}


class ImportRefused(ValueError):
    """The file was refused whole; `errors` lists every problem as `line N: column: reason`."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    cohort_number: int
    created: int
    in_city: int
    first_number: str | None
    last_number: str | None
    mismatches: int  # rows whose postal code disagrees with the address (flagged for staff)


@dataclass(frozen=True)
class _Row:
    line: int
    corporate_number: str | None
    name: str
    name_kana: str
    kind: str
    postal_code: str
    address: str
    industry: str
    goals: tuple[int, ...]
    found: location.Location


# --- reading the file ------------------------------------------------------------------------

def read_file(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of an import file with their line numbers. UTF-8 (with or without BOM) or CP932;
    refuses an empty file, an unreadable encoding and a header without the contract's columns."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(["line 1: file: the file is neither UTF-8 nor CP932 (Shift_JIS) text"])
    if not text.strip():
        raise ImportRefused(["line 1: file: the file is empty"])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ImportRefused([f"line 1: {column}: missing column" for column in missing])
    rows = []
    for record in reader:
        if not any((value or "").strip() for key, value in record.items() if key is not None):
            continue  # a blank line, as spreadsheets leave at the end
        rows.append((reader.line_num, {column: record.get(column) or "" for column in COLUMNS}))
    if not rows:
        raise ImportRefused(["line 2: file: the file has a header but no rows"])
    return rows


# --- checking rows ---------------------------------------------------------------------------

def _check(line: int, record: dict[str, str], errors: list[str]) -> _Row | None:
    problems: list[tuple[str, str]] = []

    def text(column: str) -> str:
        value = japanese.normalize(record.get(column) or "")
        if not value:
            problems.append((column, "required"))
        elif len(value) > LIMITS.get(column, 100):
            problems.append((column, f"longer than {LIMITS.get(column, 100)} characters"))
        return value

    kind = (record.get("kind") or "").strip().lower()
    if kind not in KINDS:
        problems.append(("kind", "must be corporation, group or sole_proprietor"))

    number = japanese.normalize_corporate_number(record.get("corporate_number") or "") or None
    if number:
        try:
            number = japanese.validate_corporate_number(number)
        except ValueError as error:
            reason = "wrong check digit" if str(error) == "check_digit" else "must be 13 digits"
            problems.append(("corporate_number", reason))
        else:
            if japanese.is_government_body(number):  # not eligible (CONTRACT.md "Import file")
                problems.append(("corporate_number", GOVERNMENT))
    elif kind == OrganisationKind.CORPORATION:
        problems.append(("corporate_number", "required for a corporation"))

    name = text("name")
    kana = japanese.to_katakana(text("name_kana"))
    if kana and not japanese.is_katakana(kana):
        problems.append(("name_kana", "must be written in kana"))

    postal_code = ""
    try:
        postal_code = japanese.normalize_postal_code(record.get("postal_code") or "")
    except ValueError:
        problems.append(("postal_code", "not a postal code (860-0806, 8600806 or 〒860-0806)"))

    address = text("address")
    found = location.derive_location(address, postal_code or None) if address else None
    if found is not None:
        if not found.in_prefecture:
            problems.append(("address", "not in Kumamoto Prefecture"))
        elif found.municipality_code is None:
            problems.append(("address", "the municipality cannot be told from the address or the postal code"))

    industry = japanese.normalize(record.get("industry") or "").upper()
    if industry not in INDUSTRY_LETTERS:
        problems.append(("industry", "must be a letter of the Japan Standard Industrial Classification, A to T"))

    goals: list[int] = []
    parts = [part.strip() for part in japanese.normalize(record.get("goals") or "").split(";")]
    for part in filter(None, parts):
        if not part.isdigit() or not 1 <= int(part) <= 17:
            problems.append(("goals", f"{part} is not an SDG goal (1 to 17)"))
        elif int(part) not in goals:
            goals.append(int(part))
    if not goals and not any(column == "goals" for column, _ in problems):
        problems.append(("goals", "at least one goal is required"))

    errors.extend(f"line {line}: {column}: {reason}" for column, reason in problems)
    if problems:
        return None
    return _Row(line, number, name, kana, kind, postal_code, address, industry, tuple(sorted(goals)), found)


def _numbers_registered(numbers: list[str], decided_on: date) -> dict[str, str]:
    """Corporate number → registration number, for those with a registration running on the
    decision date or today (the same entity cannot be registered twice at once)."""
    found: dict[str, str] = {}
    today = today_jst()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        rows = db.session.execute(
            select(Organisation.corporate_number, Registration.number)
            .join(Registration, Registration.organisation_id == Organisation.id)
            .where(Organisation.corporate_number.in_(chunk), Registration.state == RegistrationState.ACTIVE,
                   or_(Registration.valid_until >= decided_on, Registration.valid_until >= today))
        ).all()
        found.update(dict(rows))
    return found


def _numbers_with_members(numbers: list[str]) -> set[str]:
    """Corporate numbers of organisations that have members. Anyone may type a company's public
    法人番号 into a new organisation, so membership proves nothing: an imported registration is
    never handed to such an organisation, it is claimed."""
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        found.update(db.session.scalars(
            select(Organisation.corporate_number).where(
                Organisation.corporate_number.in_(numbers[start:start + 500]),
                select(Membership.id).where(Membership.organisation_id == Organisation.id).exists())))
    return found


def check_rows(rows: Iterable[tuple[int, dict[str, str]]], decided_on: date,
               progress: Callable[[int], None] | None = None) -> list[_Row]:
    """Every row checked; ImportRefused with every problem of every row, or the clean rows."""
    errors: list[str] = []
    clean: list[_Row] = []
    first_line: dict[str, int] = {}
    for line, record in rows:
        row = _check(line, record, errors)
        if row is not None and row.corporate_number:
            if row.corporate_number in first_line:
                errors.append(f"line {line}: corporate_number: the same as line {first_line[row.corporate_number]}")
                row = None
            else:
                first_line[row.corporate_number] = line
        if row is not None:
            clean.append(row)
        if progress:
            progress(1)
    registered = _numbers_registered(list(first_line), decided_on)
    held = _numbers_with_members(list(first_line))
    for row in clean:
        if row.corporate_number in registered:
            errors.append(f"line {row.line}: corporate_number: already registered as {registered[row.corporate_number]}")
        elif row.corporate_number in held:
            errors.append(f"line {row.line}: corporate_number: {HELD}")
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: int(e.split(":")[0].split()[1])))
    return clean


# --- writing ---------------------------------------------------------------------------------

def _decided_cohort(number: int, decided_on: date, actor) -> Cohort:
    """The cohort to import into: created decided when new; an existing one must have been
    decided on the same day."""
    cohort = db.session.scalar(select(Cohort).where(Cohort.number == number))
    if cohort is None:
        # The application window is not known: a notional day before the decision.
        closes = datetime.combine(decided_on, time(), tzinfo=JST)
        cohort = Cohort(number=number, state=CohortState.DECIDED, opens_at=closes - timedelta(days=1),
                        closes_at=closes, decision_planned_on=decided_on, decided_on=decided_on, imported=True)
        db.session.add(cohort)
        db.session.flush()
        audit.record("cohort.imported", cohort, {"number": number, "decided_on": decided_on.isoformat()}, actor=actor)
        return cohort
    if cohort.state != CohortState.DECIDED:
        raise ImportRefused([f"line 1: cohort: cohort {number} exists and has not been decided ({cohort.state.value})"])
    if cohort.decided_on != decided_on:
        raise ImportRefused([f"line 1: decided_on: cohort {number} was decided on {cohort.decided_on.isoformat()}"])
    return cohort


def import_rows(rows: Iterable[dict[str, str]] | Iterable[tuple[int, dict[str, str]]], cohort_number: int,
                decided_on: date, actor=None, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Register every row in cohort `cohort_number`, decided on `decided_on`, numbered in row
    order after the cohort's last number; in the caller's transaction (all or nothing).

    `rows` are dicts with the file's columns (line numbers counted from 2, after a header) or
    (line, dict) pairs as `read_file` gives them. Raises ImportRefused.
    """
    numbered = [row if isinstance(row, tuple) else (index, row) for index, row in enumerate(rows, start=2)]
    if cohort_number < 1 or cohort_number > 99:
        raise ImportRefused(["line 1: cohort: the cohort number must be between 1 and 99"])
    clean = check_rows(numbered, decided_on, progress)
    cohort = _decided_cohort(cohort_number, decided_on, actor)
    last = db.session.scalar(select(func.max(Registration.sequence)).where(Registration.cohort_id == cohort.id)) or 0
    if last + len(clean) > 9999:
        raise ImportRefused([f"line 1: cohort: cohort {cohort_number} would exceed 9,999 registrations"])

    existing = _existing_organisations([row.corporate_number for row in clean if row.corporate_number])
    created_at = utcnow()
    new_organisations = [
        {"kind": row.kind, "corporate_number": row.corporate_number, "name": row.name, "name_kana": row.name_kana,
         "postal_code": row.postal_code, "address": row.address, "municipality_code": row.found.municipality_code,
         "in_city": row.found.in_city, "location_mismatch": row.found.mismatch, "industry": row.industry,
         "search_key": japanese.search_key(row.name, row.name_kana),
         "created_at": created_at, "updated_at": created_at, **NOT_IN_FILE}
        for row in clean if row.corporate_number not in existing]
    new_ids = iter(_insert_returning_ids(Organisation, new_organisations))  # in the file's order
    new_values = iter(new_organisations)
    # Per row: the organisation's id and what the registration certifies of it — an organisation
    # the portal knows as it is on file (its place too, whatever the file says), a new one as
    # the file has it.
    organisations = [existing[row.corporate_number] if row.corporate_number in existing
                     else SimpleNamespace(id=next(new_ids), **next(new_values)) for row in clean]

    valid_until = term_end(decided_on)
    registration_ids = _insert_returning_ids(Registration, [
        {"number": Registration.format_number(cohort_number, last + n), "cohort_id": cohort.id,
         "sequence": last + n, "organisation_id": organisation.id, "state": RegistrationState.ACTIVE,
         "registered_on": decided_on, "valid_until": valid_until, "municipality_code": organisation.municipality_code,
         "in_city": organisation.in_city, "created_at": created_at}
        for n, organisation in enumerate(organisations, start=1)])
    details.add_first([(registration_id, organisation, decided_on)
                       for registration_id, organisation in zip(registration_ids, organisations)])
    db.session.execute(insert(RegistrationGoal), [
        {"registration_id": registration_id, "goal": goal}
        for registration_id, row in zip(registration_ids, clean) for goal in row.goals])

    in_city = sum(bool(organisation.in_city) for organisation in organisations)
    first = Registration.format_number(cohort_number, last + 1)
    final = Registration.format_number(cohort_number, last + len(clean))
    audit.record("registrations.imported", cohort, {"count": len(clean), "in_city": in_city,
                                                    "numbers": [first, final]}, actor=actor)
    return ImportResult(cohort_number, len(clean), in_city, first, final, sum(row.found.mismatch for row in clean))


INSERT_BATCH = 1_000


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert `rows` and return their ids in the same order. In batches: SQLAlchemy's ordered
    RETURNING over one huge executemany costs time that grows faster than the row count."""
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_BATCH):
        ids += db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True),
                                  rows[start:start + INSERT_BATCH]).scalars().all()
    return ids


def _existing_organisations(numbers: list[str]) -> dict[str, SimpleNamespace]:
    """Corporate number → the organisation's id, certified details and place, for the
    corporations the portal knows already (as rows: nothing of them is changed)."""
    columns = [Organisation.id, *(getattr(Organisation, field)
                                  for field in (*details.CERTIFIED_FIELDS, *details.LOCATION_FIELDS))]
    found: dict[str, SimpleNamespace] = {}
    for start in range(0, len(numbers), 500):
        rows = db.session.execute(select(Organisation.corporate_number, *columns)
                                  .where(Organisation.corporate_number.in_(numbers[start:start + 500])))
        found.update({row.corporate_number: SimpleNamespace(**row._asdict()) for row in rows})
    return found
