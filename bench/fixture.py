"""A large, realistic database for the load benchmark (bench/run.py), written in bulk straight
into the tables — like bench/decision.py, this is a benchmark fixture, not a way to make
registrations: no operation runs, no mail is queued, no audit entry is written.

What `seed(registrants, applications)` writes (the schema must already be migrated):

- staff: five reviewers and two secretariat users (the first of each with a password);
- cohorts: ten decided ones, half a year apart (the oldest four past their three-year term),
  one closed cohort of `decision` applications recommended for approval (the decision the
  benchmark times, and whose certificates it zips), and an open one;
- organisations, each with an owner (a user and a membership), named and located like the real
  register (every ward of Kumamoto City, neighbouring towns, the rest of the prefecture; about
  60 % inside the city), with the folded search key the directory searches;
- `registrants` registrations spread over the decided cohorts (about 2 % withdrawn, 1 %
  revoked), each with its goals (registration_goals) and the approved
  application that created it; many of the expired ones renewed by a renewal application in a
  later cohort (three more years, the same number);
- the rest of the `applications`: the open cohort's applications in every state of the
  workflow, and rejected or withdrawn applications of unregistered organisations in the
  decided cohorts (several tries each);
- for every submitted application its revisions (1 to 3, with the profile snapshot, as
  `submit_application` stores them); reviewers are assigned round-robin.

Primary keys are given explicitly (no RETURNING round trips); on PostgreSQL the id sequences are
moved past them afterwards, so the portal's own inserts (the decision) continue from there, and
the database is vacuumed and analysed, as autovacuum would soon do after such a load.
Everything is deterministic for a given `seed`; dates are relative to today (JST), so the
proportions of active and expired registrations do not drift with the calendar.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
UTC = timezone.utc

DECIDED_COHORTS = 10
COHORT_SPACING_DAYS = 182
TERM_YEARS = 3
PASSWORD = "bench-password-not-secret"
REVIEWERS = 5
SECRETARIES = 2
ROWS_PER_INSERT = 5_000

# Where organisations are: (postal code, address, municipality code, in the city). Inside the
# city: every ward and a former town; outside: neighbours first, then the rest of the prefecture.
PLACES_IN_CITY = (
    ("8600806", "熊本県熊本市中央区花畑町4-1", "43101"),
    ("8620950", "熊本県熊本市中央区水前寺6-18-1", "43101"),
    ("8600845", "熊本県熊本市中央区上通町7-12", "43101"),
    ("8618045", "熊本県熊本市東区小山4-2-11", "43102"),
    ("8620911", "熊本県熊本市東区健軍2-10-3", "43102"),
    ("8600047", "熊本県熊本市西区春日3-15-60", "43103"),
    ("8600082", "熊本県熊本市西区池田1-4-30", "43103"),
    ("8614101", "熊本県熊本市南区近見7-4-10", "43104"),
    ("8614214", "熊本県熊本市南区城南町舞原456", "43104"),
    ("8618001", "熊本県熊本市北区武蔵ケ丘2-142-10", "43105"),
    ("8610136", "熊本県熊本市北区植木町岩野238-1", "43105"),
)
PLACES_OUTSIDE = (
    ("8691102", "熊本県菊池郡菊陽町原水1-1", "43404"),
    ("8691235", "熊本県菊池郡大津町室1000", "43403"),
    ("8611102", "熊本県合志市須屋1-10-3", "43216"),
    ("8612241", "熊本県上益城郡益城町宮園702", "43443"),
    ("8690402", "熊本県宇土市笹原町23", "43211"),
    ("8690592", "熊本県宇城市松橋町大野85", "43213"),
    ("8668501", "熊本県八代市平山新町4438-3", "43202"),
    ("8630023", "熊本県天草市中央新町15-1", "43215"),
    ("8650016", "熊本県玉名市岩崎163", "43206"),
    ("8610501", "熊本県山鹿市山鹿987-3", "43208"),
    ("8611307", "熊本県菊池市片角300", "43210"),
    ("8692612", "熊本県阿蘇市一の宮町宮地1000", "43214"),
)
IN_CITY_SHARE = 0.6

NAME_PARTS = (
    ("熊本", "クマモト"), ("肥後", "ヒゴ"), ("阿蘇", "アソ"), ("天草", "アマクサ"), ("火の国", "ヒノクニ"),
    ("白川", "シラカワ"), ("江津", "エヅ"), ("水前寺", "スイゼンジ"), ("菊池", "キクチ"), ("有明", "アリアケ"),
    ("不知火", "シラヌイ"), ("緑川", "ミドリカワ"), ("坪井", "ツボイ"), ("清水", "シミズ"), ("金峰", "キンポウ"),
    ("球磨", "クマ"), ("八代", "ヤツシロ"), ("銀杏", "ギンナン"), ("花岡", "ハナオカ"), ("託麻", "タクマ"),
)
TRADES = (
    ("建設", "ケンセツ", "D"), ("工業", "コウギョウ", "E"), ("食品", "ショクヒン", "E"), ("印刷", "インサツ", "E"),
    ("エネルギー", "エネルギー", "F"), ("情報システム", "ジョウホウシステム", "G"), ("運輸", "ウンユ", "H"),
    ("商事", "ショウジ", "I"), ("不動産", "フドウサン", "K"), ("設計", "セッケイ", "L"), ("観光", "カンコウ", "M"),
    ("農園", "ノウエン", "A"), ("福祉会", "フクシカイ", "P"), ("学園", "ガクエン", "O"),
    ("環境サービス", "カンキョウサービス", "R"), ("クリーニング", "クリーニング", "N"),
)
GOAL_WEIGHTS = (4, 3, 8, 6, 7, 4, 9, 12, 8, 4, 11, 10, 10, 3, 5, 3, 9)  # goals 1..17: 8, 11, 12, 13 common
GOAL_CUMULATIVE = tuple(itertools.accumulate(GOAL_WEIGHTS))  # random.choices is faster given these
AREAS = ("economy", "society", "environment")

# The open cohort's applications, by state (weights).
OPEN_STATES = (("draft", 20), ("submitted", 25), ("under_review", 25), ("returned", 10),
               ("recommended_approval", 8), ("recommended_rejection", 4), ("withdrawn", 8))


@dataclass
class Fixture:
    """What the benchmark needs to know about the database it seeded."""

    registrants: int
    applications: int
    reviewer_email: str
    secretariat_email: str
    password: str
    reviewer_id: int
    secretariat_id: int
    decision_cohort_id: int
    decision_size: int
    # A listed registrant (its public page) and registrations whose certificate is fetched.
    listed_number: str
    certificate_ids: list[int]
    # An application under review: the review desk page.
    review_application_id: int = 0
    rows: dict[str, int] = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------------

def _corporate_number(serial: int) -> str:
    from portal.core.japanese import corporate_number_check_digit

    base = f"{serial:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def _at(day: date, hour: int = 10) -> datetime:
    """A timezone-aware UTC datetime at `hour` (JST) on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST).astimezone(UTC)


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Writer:
    """Bulk inserts with explicit ids, a table at a time, in chunks."""

    def __init__(self, session):
        self.session = session
        self.counts: dict[str, int] = {}

    def insert(self, model, rows: list[dict]) -> None:
        from sqlalchemy import insert

        table = model.__table__
        for start in range(0, len(rows), ROWS_PER_INSERT):
            self.session.execute(insert(table), rows[start:start + ROWS_PER_INSERT])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


# --- the content of an application ---------------------------------------------------------

class _Contents:
    """Complete application contents (what the steps store), varied by goals and wording."""

    def __init__(self):
        from portal.applications.checklist import load_checklist
        from portal.applications.content import DECLARATIONS

        checklist = load_checklist("1")
        self.basic = [item.id for item in checklist.basic]
        self.challenge = [item.id for item in checklist.challenge]
        self.declarations = {key: True for key in DECLARATIONS}

    def make(self, rng: random.Random, name: str, goals: list[int]) -> dict:
        # Each area gets at least one goal; the rest are shared out.
        by_area = {area: [goals[i]] for i, area in enumerate(AREAS) if i < len(goals)}
        for goal in goals[len(AREAS):]:
            by_area.setdefault(rng.choice(AREAS), []).append(goal)
        for area in AREAS:
            by_area.setdefault(area, [goals[0]])
        actions = [{
            "area": area, "description": f"{name}の{area}分野の重点的な取組: 地域の若者を採用し、資格取得を支援する。",
            "goals": sorted(area_goals), "targets": [f"{g}.1" for g in sorted(area_goals)],
            "indicator": "県内出身の新卒採用数", "unit": "人",
            "current_value": str(rng.randint(0, 5)), "target_value": str(rng.randint(6, 20)),
        } for area, area_goals in by_area.items()]
        return {
            "vision": f"2030年、{name}は地域の資源を生かし、働く人と地域に選ばれる事業者であり続けます。" * 2,
            "actions": actions,
            "checklist": {"version": "1", "basic": self.basic,
                          "challenge": rng.sample(self.challenge, rng.randint(5, 9))},
            "declarations": self.declarations,
            "partners": {"institutions": [], "consent": False},
        }


def _goals(rng: random.Random) -> list[int]:
    wanted, goals = rng.randint(2, 6), set()
    while len(goals) < wanted:
        goals.update(rng.choices(range(1, 18), cum_weights=GOAL_CUMULATIVE, k=wanted - len(goals)))
    return sorted(goals)


# --- the fixture ---------------------------------------------------------------------------

def seed(registrants: int, applications: int, decision: int = 1000, seed: int = 7) -> Fixture:
    """Write the fixture into the app's database (inside an app context) and commit."""
    from werkzeug.security import generate_password_hash

    from portal.accounts.models import User
    from portal.applications.models import Application, ApplicationRevision
    from portal.cohorts.models import Cohort
    from portal.core.extensions import db
    from portal.core.japanese import search_key
    from portal.organisations.models import Membership, Organisation
    from portal.registrations.models import Registration, RegistrationGoal

    if registrants < DECIDED_COHORTS:
        raise ValueError(f"at least {DECIDED_COHORTS} registrants (one per decided cohort)")
    if applications < registrants + decision:
        raise ValueError("applications must be at least registrants + the decision cohort's applications")

    rng = random.Random(seed)
    today = datetime.now(JST).date()
    now = datetime.now(UTC)
    writer = _Writer(db.session)
    contents = _Contents()

    # --- staff --------------------------------------------------------------------------
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    staff = [("reviewer", i) for i in range(1, REVIEWERS + 1)] + [("secretariat", i) for i in range(1, SECRETARIES + 1)]
    users: list[dict] = []
    for role, i in staff:
        users.append({"id": len(users) + 1, "email": f"bench-{role}{i}@example.jp", "name": f"{role} {i}",
                      "password_hash": password_hash if i == 1 else None, "role": role, "locale": "ja",
                      "active": True, "email_verified_at": now, "partner_id": None, "created_at": now,
                      "last_login_at": None})
    reviewer_ids = [u["id"] for u in users if u["role"] == "reviewer"]
    secretariat_id = next(u["id"] for u in users if u["role"] == "secretariat")

    # --- cohorts: ten decided, one closed (the decision), one open -------------------------
    cohorts: list[dict] = []
    for number in range(1, DECIDED_COHORTS + 3):
        # Cohort 10 was decided about 100 days ago, each earlier one half a year before.
        decided_on = today - timedelta(days=100 + (DECIDED_COHORTS - number) * COHORT_SPACING_DAYS)
        opens = decided_on - timedelta(days=150)
        closes = decided_on - timedelta(days=90)
        state, decided = "decided", decided_on
        if number == DECIDED_COHORTS + 1:  # the one to decide
            opens, closes, state, decided = today - timedelta(days=60), today - timedelta(days=10), "closed", None
        elif number == DECIDED_COHORTS + 2:  # open now
            opens, closes, state, decided = today - timedelta(days=5), today + timedelta(days=25), "open", None
        cohorts.append({"id": number, "number": number, "state": state, "opens_at": _at(opens, 9),
                        "closes_at": _at(closes, 17), "checklist_version": "1",
                        "decision_planned_on": decided or today + timedelta(days=30),
                        "decided_on": decided, "imported": False, "created_at": _at(opens, 9) - timedelta(days=30)})
    decision_cohort, open_cohort = cohorts[DECIDED_COHORTS], cohorts[DECIDED_COHORTS + 1]

    # --- how many of each --------------------------------------------------------------
    rest = applications - registrants - decision
    open_count = rest // 10
    expired_cohorts = [c for c in cohorts[:DECIDED_COHORTS] if _plus_years(c["decided_on"], TERM_YEARS) <= today]
    per_cohort = [registrants // DECIDED_COHORTS + (1 if i < registrants % DECIDED_COHORTS else 0)
                  for i in range(DECIDED_COHORTS)]
    renewable = sum(per_cohort[c["number"] - 1] for c in expired_cohorts)
    renewals = min(rest - open_count, int(renewable * 0.6))
    tries = rest - open_count - renewals  # rejected or withdrawn applications of the unregistered
    unregistered = -(-tries // 4) if tries else 0  # about four tries each (at most one per cohort)

    # --- organisations and their owners --------------------------------------------------
    organisations: list[dict] = []
    memberships: list[dict] = []

    def organisation() -> int:
        index = len(organisations)
        inside = rng.random() < IN_CITY_SHARE
        postal, address, code = rng.choice(PLACES_IN_CITY if inside else PLACES_OUTSIDE)
        place, place_kana = NAME_PARTS[index % len(NAME_PARTS)]
        trade, trade_kana, industry = TRADES[(index // len(NAME_PARTS)) % len(TRADES)]
        draw = rng.random()
        kana = f"{place_kana}{trade_kana}"
        if draw < 0.8:
            kind, name, number = "corporation", f"株式会社{place}{trade}{index:05d}", _corporate_number(9_000_000 + index)
        elif draw < 0.92:
            kind, name, number = "sole_proprietor", f"{place}{trade}事務所{index:05d}", None
        else:
            kind, name, number = "group", f"{place}{trade}協議会{index:05d}", None
        organisation_id = index + 1
        user_id = len(users) + 1
        created = now - timedelta(days=rng.randint(200, 2000))
        organisations.append({
            "id": organisation_id, "kind": kind, "corporate_number": number, "name": name, "name_kana": kana,
            "representative_title": "代表取締役" if kind == "corporation" else "代表",
            "representative_name": "熊本 花子", "postal_code": postal, "address": address,
            "municipality_code": code, "in_city": inside, "location_mismatch": False, "industry": industry,
            "employees": rng.randint(1, 300), "capital": 10_000_000 if kind == "corporation" else None,
            "website": None, "contact_name": "担当 次郎", "contact_department": None,
            "contact_phone": "096-000-0000", "contact_email": f"org{organisation_id:06d}@bench.example.jp",
            "search_key": search_key(name, kana),
            "created_at": created, "updated_at": created,
        })
        users.append({"id": user_id, "email": f"owner{organisation_id:06d}@bench.example.jp",
                      "name": f"申請 {organisation_id}", "password_hash": None, "role": "applicant",
                      "locale": "ja" if organisation_id % 5 else "en", "active": True, "email_verified_at": created,
                      "partner_id": None, "created_at": created, "last_login_at": None})
        memberships.append({"id": len(memberships) + 1, "organisation_id": organisation_id, "user_id": user_id,
                            "is_owner": True, "created_at": created})
        return organisation_id

    # --- applications and their revisions ------------------------------------------------
    application_rows: list[dict] = []
    revision_rows: list[dict] = []

    def application(organisation_id: int, cohort: dict, state: str, content: dict, kind: str = "new",
                    registration_id: int | None = None) -> dict:
        application_id = len(application_rows) + 1
        owner = memberships[organisation_id - 1]["user_id"]
        window = int((cohort["closes_at"] - cohort["opens_at"]).total_seconds())
        started = cohort["opens_at"] + timedelta(seconds=rng.randrange(max(1, window // 2)))
        revisions = 0 if state == "draft" else rng.choices((1, 2, 3), (70, 25, 5))[0]
        if state == "returned":
            revisions = max(1, revisions)
        submitted = None
        profile = {key: organisations[organisation_id - 1][key] for key in (
            "kind", "corporate_number", "name", "name_kana", "representative_title", "representative_name",
            "postal_code", "address", "municipality_code", "in_city", "industry", "employees")}
        for number in range(1, revisions + 1):
            submitted = started + timedelta(days=2 * number, seconds=rng.randrange(86_400))
            revision_rows.append({
                "id": len(revision_rows) + 1, "application_id": application_id, "number": number,
                "submitted_at": submitted, "submitted_by_id": owner,
                "content": {**content, "kind": kind, "cohort": cohort["number"], "checklist_version": "1",
                            "profile": {**profile, "in_prefecture": True}, "attachments": []}})
        reviewed = state not in ("draft", "submitted")
        row = {
            "id": application_id, "organisation_id": organisation_id, "cohort_id": cohort["id"], "kind": kind,
            "state": state, "content": content, "revision_count": revisions, "submitted_at": submitted,
            "return_message": "重点的な取組の指標を具体的にしてください。" if state == "returned" else None,
            "return_notes": None, "correction_deadline": today + timedelta(days=14) if state == "returned" else None,
            "registration_id": registration_id, "created_by_id": owner,
            "reviewer_id": (reviewer_ids[application_id % len(reviewer_ids)]
                            if state != "draft" and (reviewed or rng.random() < 0.5) else None),
            "recommendation_reason": "基本項目を満たしていない。" if state in ("recommended_rejection", "rejected") else None,
            "verification": None, "created_at": started, "updated_at": submitted or started,
            "version": 1 + revisions + (2 if reviewed else 0),
        }
        application_rows.append(row)
        return row

    # Registrants: a registration per organisation, created by its approved application.
    registration_rows: list[dict] = []
    goal_rows: list[dict] = []
    for cohort, count in zip(cohorts[:DECIDED_COHORTS], per_cohort):
        decided_on = cohort["decided_on"]
        for sequence in range(1, count + 1):
            organisation_id = organisation()
            registration_id = len(registration_rows) + 1
            goals = _goals(rng)
            content = contents.make(rng, organisations[organisation_id - 1]["name"], goals)
            application(organisation_id, cohort, "approved", content, registration_id=registration_id)
            draw = rng.random()
            state, ended_on, reason = "active", None, None
            if draw < 0.02:
                state, reason = "withdrawn", "事業の見直しのため辞退します。"
            elif draw < 0.03:
                state, reason = "revoked", "登録要件を満たさなくなったため。"
            if state != "active":
                ended_on = min(today, decided_on + timedelta(days=rng.randint(30, 900)))
            organisation_row = organisations[organisation_id - 1]
            registration_rows.append({
                "id": registration_id, "number": f"KS{cohort['number']:02d}-{sequence:04d}",
                "cohort_id": cohort["id"], "sequence": sequence, "organisation_id": organisation_id,
                "state": state, "registered_on": decided_on,
                "valid_until": _plus_years(decided_on, TERM_YEARS) - timedelta(days=1),
                "ended_on": ended_on, "end_reason": reason, "reminded_6m_at": None, "reminded_1m_at": None,
                "municipality_code": organisation_row["municipality_code"], "in_city": organisation_row["in_city"],
                "created_at": _at(decided_on, 15),
            })
            goal_rows.extend({"registration_id": registration_id, "goal": goal} for goal in goals)

    # Renewals: expired registrations renewed six cohorts later (three years on), same number.
    renewable_rows = [r for r in registration_rows
                      if r["state"] == "active" and cohorts[r["cohort_id"] - 1] in expired_cohorts]
    for registration in rng.sample(renewable_rows, min(renewals, len(renewable_rows))):
        cohort = cohorts[min(registration["cohort_id"] + 5, DECIDED_COHORTS - 1)]
        goals = _goals(rng)
        application(registration["organisation_id"], cohort, "approved",
                    contents.make(rng, organisations[registration["organisation_id"] - 1]["name"], goals),
                    kind="renewal", registration_id=registration["id"])
        registration["valid_until"] = _plus_years(registration["valid_until"], TERM_YEARS)
    renewed = len(application_rows) - registrants

    # The cohort to decide: all recommended for approval.
    for _ in range(decision):
        organisation_id = organisation()
        application(organisation_id, decision_cohort, "recommended_approval",
                    contents.make(rng, organisations[organisation_id - 1]["name"], _goals(rng)))

    # The open cohort, in every state; then the unregistered organisations' earlier tries.
    open_count += renewals - renewed  # fewer renewable registrations than planned: more here
    states, weights = zip(*OPEN_STATES)
    for _ in range(open_count):
        organisation_id = organisation()
        application(organisation_id, open_cohort, rng.choices(states, weights)[0],
                    contents.make(rng, organisations[organisation_id - 1]["name"], _goals(rng)))
    tried = [organisation() for _ in range(unregistered)]
    for index in range(tries):
        organisation_id = tried[index % len(tried)]
        cohort = cohorts[(index // len(tried) + organisation_id) % DECIDED_COHORTS]
        application(organisation_id, cohort, "rejected" if index % 3 else "withdrawn",
                    contents.make(rng, organisations[organisation_id - 1]["name"], _goals(rng)))

    # --- write ------------------------------------------------------------------------
    writer.insert(User, users)
    writer.insert(Cohort, cohorts)
    writer.insert(Organisation, organisations)
    writer.insert(Membership, memberships)
    writer.insert(Registration, registration_rows)
    writer.insert(RegistrationGoal, goal_rows)
    writer.insert(Application, application_rows)
    writer.insert(ApplicationRevision, revision_rows)
    _move_sequences(db.session, (User, Cohort, Organisation, Membership, Registration, Application,
                                 ApplicationRevision))
    db.session.commit()
    _vacuum(db.engine)

    listed = [r for r in registration_rows
              if r["state"] == "active" and r["registered_on"] <= today <= r["valid_until"]]
    middle = listed[len(listed) // 2]
    return Fixture(
        registrants=registrants, applications=len(application_rows),
        reviewer_email="bench-reviewer1@example.jp", secretariat_email="bench-secretariat1@example.jp",
        password=PASSWORD, reviewer_id=reviewer_ids[0], secretariat_id=secretariat_id,
        decision_cohort_id=decision_cohort["id"], decision_size=decision,
        listed_number=middle["number"], certificate_ids=[r["id"] for r in listed[::max(1, len(listed) // 50)]],
        review_application_id=next((a["id"] for a in application_rows if a["state"] == "under_review"), 0),
        rows=dict(writer.counts),
    )


def _vacuum(engine) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum does soon after a bulk load in production, so
    the planner has statistics and index-only scans see a visibility map. (SQLite is left as the
    portal leaves it: nothing there runs ANALYZE.)"""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _move_sequences(session, models) -> None:
    """PostgreSQL: move each table's id sequence past the ids written here."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))
