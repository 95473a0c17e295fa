"""key actions keep a stable identity: a key on each action of an application, and report lines
that refer to their action's key instead of its place in the list

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:45:00.000000

Every key action in the applications (drafts and frozen revisions alike) gets a `key`. A new
application's actions get new keys; a renewal's actions were copied from the registration's
last approved application, so each takes the key of the action it came from: the same action,
else the same description, else the same indicator in the same area, else the same place in the
same area (the old form could edit, add and remove actions, never move one). A renewal's
commitments and its 達成／未達成 answers named key actions by place ("A2"): they name the key now.

Each existing report line was matched by its place against the actions of the registration's
latest approved application at the time the report was last filed (filing rewrote every line):
the application approved by the latest cohort decided on or before that day (JST). The line
takes that action's key. Then a report has one line per key (a unique constraint) instead of
one per place.
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

JST = timezone(timedelta(hours=9))

applications = sa.table(
    "applications", sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("state", sa.String),
    sa.column("registration_id", sa.Integer), sa.column("cohort_id", sa.Integer), sa.column("content", sa.JSON))
revisions = sa.table(
    "application_revisions", sa.column("id", sa.Integer), sa.column("application_id", sa.Integer),
    sa.column("number", sa.Integer), sa.column("content", sa.JSON))
cohorts = sa.table("cohorts", sa.column("id", sa.Integer), sa.column("decided_on", sa.Date))
reports = sa.table("progress_reports", sa.column("id", sa.Integer), sa.column("registration_id", sa.Integer),
                   sa.column("updated_at", sa.DateTime(timezone=True)))
lines = sa.table("report_lines", sa.column("id", sa.Integer), sa.column("report_id", sa.Integer),
                 sa.column("position", sa.Integer), sa.column("action_key", sa.String))

OLD_COMMITMENT = re.compile(r"A(\d+)$")


def upgrade():
    with op.batch_alter_table('report_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_key', sa.String(length=16), nullable=True))

    connection = op.get_bind()
    keyed = _key_applications(connection)
    _key_report_lines(connection, keyed)

    with op.batch_alter_table('report_lines', schema=None) as batch_op:
        batch_op.alter_column('action_key', existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_constraint('uq_report_lines_report_id_position', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_report_lines_report_id_action_key'),
                                          ['report_id', 'action_key'])


def downgrade():
    # The keys stay in the applications' answers (extra data the older code ignores); the lines
    # go back to one per place, which they still are (a filing numbers its lines 0, 1, …).
    with op.batch_alter_table('report_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_report_lines_report_id_action_key'), type_='unique')
        batch_op.create_unique_constraint('uq_report_lines_report_id_position', ['report_id', 'position'])
        batch_op.drop_column('action_key')


# --- keys on the applications' actions ------------------------------------------------------

def _new_key(taken: set[str]) -> str:
    while True:
        key = uuid.uuid4().hex[:8]
        if key not in taken:
            taken.add(key)
            return key


def _plain(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _without_key(action: dict) -> dict:
    return {k: v for k, v in action.items() if k != "key"}


def _match(actions: list[dict], base: list[dict]) -> list[int | None]:
    """For each action, the index in `base` of the action it was copied from, or None."""
    tests = (
        lambda a, b: _without_key(a) == _without_key(b),
        lambda a, b: bool(_plain(a.get("description"))) and _plain(a.get("description")) == _plain(b.get("description")),
        lambda a, b: (a.get("area") == b.get("area") and bool(_plain(a.get("indicator")))
                      and _plain(a.get("indicator")) == _plain(b.get("indicator"))),
    )
    found: list[int | None] = [None] * len(actions)
    used: set[int] = set()
    for test in tests:
        for i, action in enumerate(actions):
            if found[i] is not None:
                continue
            j = next((j for j, earlier in enumerate(base) if j not in used and test(action, earlier)), None)
            if j is not None:
                found[i] = j
                used.add(j)
    for i, action in enumerate(actions):  # edited in place
        if found[i] is None and i < len(base) and i not in used and base[i].get("area") == action.get("area"):
            found[i] = i
            used.add(i)
    return found


def _with_keys(actions, base: list[dict], taken: set[str]) -> list[dict]:
    """`actions` with keys: an action's own, else that of the `base` action it came from, else new."""
    actions = [dict(a) for a in actions or [] if isinstance(a, dict)]
    matched = _match(actions, base)
    own = set()
    for action, j in zip(actions, matched):
        key = action.get("key")
        if not key or key in own:
            key = base[j]["key"] if j is not None and base[j].get("key") not in own else None
        action["key"] = key or _new_key(taken)
        own.add(action["key"])
        taken.add(action["key"])
    return actions


def _commitment(commitment: dict, previous: list[dict]) -> dict:
    """A renewal's commitment named by the key of the earlier action it reports on."""
    if commitment.get("kind"):
        return commitment
    old = OLD_COMMITMENT.match(str(commitment.get("id") or ""))
    if old is None:
        return {**commitment, "kind": "checklist"}
    index = int(old.group(1)) - 1
    if not 0 <= index < len(previous):
        return {**commitment, "kind": "action"}
    action = previous[index]
    return {"id": action["key"], "kind": "action", "key": action["key"], "label": commitment.get("label", ""),
            **{field: action.get(field) for field in ("area", "description", "indicator", "unit", "current_value",
                                                      "target_value")}}


def _renewal_answers(content: dict, previous: list[dict]) -> dict:
    commitments = content.get("commitments")
    if not commitments:
        return content
    renamed = {}
    converted = []
    for commitment in commitments:
        new = _commitment(commitment, previous)
        renamed[commitment.get("id")] = new["id"]
        converted.append(new)
    report = [{**answer, "id": renamed.get(answer.get("id"), answer.get("id"))}
              for answer in content.get("report") or [] if isinstance(answer, dict)]
    return {**content, "commitments": converted, **({"report": report} if "report" in content else {})}


def _keyed_content(content, base: list[dict], previous: list[dict], kind: str, taken: set[str]) -> dict:
    """An application's (or a revision's) answers with keyed actions and, for a renewal,
    commitments named by key."""
    content = dict(content or {})
    if "actions" in content:
        content["actions"] = _with_keys(content["actions"], base, taken)
    if kind == "renewal":
        content = _renewal_answers(content, previous)
    return content


def _key_applications(connection) -> dict[int, list[dict]]:
    """Give every application's and revision's actions keys; return each approved application's
    keyed actions by application id (what its yearly reports were filed against)."""
    rows = connection.execute(sa.select(applications.c.id, applications.c.kind, applications.c.state,
                                        applications.c.registration_id, applications.c.content)
                              .order_by(applications.c.id)).all()
    frozen: dict[int, list] = {}
    for revision_id, application_id, number, content in connection.execute(
            sa.select(revisions.c.id, revisions.c.application_id, revisions.c.number, revisions.c.content)
            .order_by(revisions.c.application_id, revisions.c.number)):
        frozen.setdefault(application_id, []).append((revision_id, content or {}))

    taken_by_registration: dict[int, set[str]] = {}
    approved_of_registration: dict[int, list[tuple[int, list[dict]]]] = {}  # (application id, last revision's actions)
    keyed: dict[int, list[dict]] = {}
    for application_id, kind, state, registration_id, content in rows:
        taken = taken_by_registration.setdefault(registration_id, set()) if registration_id else set()
        earlier = (approved_of_registration.get(registration_id) or []) if registration_id else []
        previous = earlier[-1][1] if kind == "renewal" and earlier else []
        content = _keyed_content(content, previous, previous, kind, taken)
        connection.execute(applications.update().where(applications.c.id == application_id).values(content=content))

        actions = content.get("actions") or []
        last_actions = actions
        for revision_id, revision_content in frozen.get(application_id, []):
            revision_content = _keyed_content(revision_content, actions, previous, kind, taken)
            connection.execute(revisions.update().where(revisions.c.id == revision_id)
                               .values(content=revision_content))
            last_actions = revision_content.get("actions") or []
        if state == "approved" and registration_id:
            keyed[application_id] = actions
            approved_of_registration.setdefault(registration_id, []).append((application_id, last_actions))
    return keyed


# --- the report lines -----------------------------------------------------------------------

def _key_report_lines(connection, keyed: dict[int, list[dict]]) -> None:
    decided_on = dict(connection.execute(sa.select(cohorts.c.id, cohorts.c.decided_on)).all())
    approved: dict[int, list[tuple[int, object]]] = {}  # registration → [(application id, decided on)]
    for application_id, registration_id, cohort_id in connection.execute(
            sa.select(applications.c.id, applications.c.registration_id, applications.c.cohort_id)
            .where(applications.c.state == "approved", applications.c.registration_id.is_not(None))
            .order_by(applications.c.id)):
        approved.setdefault(registration_id, []).append((application_id, decided_on.get(cohort_id)))

    for report_id, registration_id, updated_at in connection.execute(
            sa.select(reports.c.id, reports.c.registration_id, reports.c.updated_at)).all():
        if updated_at.tzinfo is None:  # SQLite hands the stored UTC time back naive
            updated_at = updated_at.replace(tzinfo=timezone.utc)
        day = updated_at.astimezone(JST).date()
        candidates = approved.get(registration_id) or []
        # The latest application approved by then was the one the report was filed against.
        in_force = [a for a, decided in candidates if decided is None or decided <= day] or \
            [a for a, _decided in candidates[:1]]
        actions = keyed.get(in_force[-1], []) if in_force else []
        for line_id, position in connection.execute(
                sa.select(lines.c.id, lines.c.position).where(lines.c.report_id == report_id)).all():
            key = actions[position]["key"] if 0 <= position < len(actions) else f"p{position + 1}"
            connection.execute(lines.update().where(lines.c.id == line_id).values(action_key=key))
