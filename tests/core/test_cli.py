"""`flask seed-demo`, `flask doctor`, `flask users create` and `flask outbox status`."""
from __future__ import annotations

from sqlalchemy import func, select

from support import login_with_form, require_or_skip
from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.core import diagnostics
from portal.core.extensions import db
from portal.demo import HISTORICAL
from portal.demo.claims import CLAIMED, WAITING
from portal.demo.applications import DEMO_ORGANISATIONS
from portal.demo.registrations import DECIDED, REGISTRANTS
from portal.demo.timeline import timeline
from portal.core.i18n import today_jst
from portal.core.outbox import MailState, OutboxMail
from portal.organisations.models import Organisation
from portal.partners.models import PartnerInstitution
from portal.seminars.models import Seminar, SeminarAttendee, SeminarSignup

DEMO_PASSWORD = "kumamoto-sdgs-demo"
DEMO_ACCOUNTS = {
    "applicant@example.jp": "applicant",
    "applicant2@example.jp": "applicant",
    "reviewer@example.jp": "reviewer",
    "secretariat@example.jp": "secretariat",
    "partner@example.jp": "partner",
    "partner2@example.jp": "partner",
    "city@example.jp": "city",
}


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (User, Organisation, PartnerInstitution, Cohort, Seminar, SeminarSignup)}


def test_seed_demo_is_idempotent_and_its_accounts_sign_in(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo data ready" in first.output
    counts = _counts(app)
    claimants = len((CLAIMED, WAITING))  # who claimed an imported registrant, and whose claim waits
    assert counts["users"] == len(DEMO_ACCOUNTS) + len(DEMO_ORGANISATIONS) + len(DECIDED) + len(REGISTRANTS) + claimants
    # Every imported intake's registrants (cohorts 1 and 2 and the fiscal-year intakes before the stories).
    historical = sum(slot.size[0] for slot in timeline(today_jst()) if slot.kind == "imported")
    assert {n: total for n, (_, total, _) in HISTORICAL.items()} == {1: 441, 2: 570}
    assert counts["organisations"] == 2 + len(DEMO_ORGANISATIONS) + len(DECIDED) + len(REGISTRANTS) + historical
    assert counts["partner_institutions"] >= 2
    assert counts["cohorts"] >= 1

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == counts

    with app.app_context():
        from portal.applications.models import Application
        from portal.applications.workflow import ApplicationState
        from portal.registrations.models import Registration

        # Applications in every state, registrations active, withdrawn and revoked.
        assert set(db.session.scalars(select(Application.state))) == set(ApplicationState)
        assert set(db.session.scalars(select(Registration.state))) == {"active", "withdrawn", "revoked"}
        users = {u.email: u for u in db.session.scalars(select(User))}
        assert {email: str(u.role) for email, u in users.items() if email in DEMO_ACCOUNTS} == DEMO_ACCOUNTS
        assert {email for email in users if email not in DEMO_ACCOUNTS} == {
            o[0] for o in DEMO_ORGANISATIONS + DECIDED + REGISTRANTS + (CLAIMED, WAITING)}
        assert all(u.email_verified_at is not None and u.is_active for u in users.values())

        # Cohorts 1 and 2 with the plan's figures: 441 / 274 in the city, 570 / 319.
        figures = db.session.execute(
            select(Cohort.number, func.count(), func.sum(func.cast(Registration.in_city, db.Integer)))
            .join(Registration.cohort).where(Cohort.number.in_((1, 2))).group_by(Cohort.number)
            .order_by(Cohort.number)).all()
        assert [tuple(f) for f in figures] == [(1, 441, 274), (2, 570, 319)]

        # The decided story cohort (applicant2@'s) keeps checklist version 1; the open cohort (and the
        # one planned after it) answers version 2, where one sole proprietor's application marks
        # items 「該当なし」, with reasons.
        versions = dict(db.session.execute(select(Cohort.number, Cohort.checklist_version)).all())
        open_number = db.session.scalar(select(Cohort.number).where(Cohort.state == "open"))
        story = db.session.scalar(select(Application).where(
            Application.organisation_id == users["applicant2@example.jp"].membership.organisation_id)).cohort.number
        assert versions[story] == "1" and versions[open_number] == versions[max(versions)] == "2"
        marked = [a for a in db.session.scalars(select(Application))
                  if (a.content.get("checklist") or {}).get("not_applicable")]
        assert [(a.organisation.kind, a.cohort.number) for a in marked] == [("sole_proprietor", open_number)]
        assert all(reason.strip() for reason in marked[0].content["checklist"]["not_applicable"].values())

        partner, partner2 = users["partner@example.jp"], users["partner2@example.jp"]
        assert partner.partner_id is not None and partner2.partner_id is not None
        assert partner.partner_id != partner2.partner_id
        assert all(users[e].partner_id is None for e in DEMO_ACCOUNTS if DEMO_ACCOUNTS[e] != "partner")

        owned = []
        for email in ("applicant@example.jp", "applicant2@example.jp"):
            membership = users[email].membership
            assert membership is not None and membership.is_owner, email
            owned.append(membership.organisation_id)
        assert len(set(owned)) == 2

        # Seminars past (attendance marked) and upcoming, with confirmed and waiting sign-ups.
        from portal.core.db import utcnow

        seminars = db.session.scalars(select(Seminar)).all()
        assert any(s.ends_at < utcnow() for s in seminars) and any(s.starts_at > utcnow() for s in seminars)
        assert set(db.session.scalars(select(SeminarSignup.state))) == {"confirmed", "waitlisted"}
        assert set(db.session.scalars(select(SeminarAttendee.attended))) == {True, False, None}

    # Every demo account signs in through the login form with the demo password.
    # The form does refuse a wrong password (scrypt is slow: checked for one account only).
    assert login_with_form(app.test_client(), "secretariat@example.jp", "not-the-demo-password").status_code == 200
    for email in DEMO_ACCOUNTS:
        client = app.test_client()
        response = login_with_form(client, email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert client.get("/account").status_code == 200, email
    # Kumamoto City's staff land on their own menu: the KPI report and the logo permits.
    client = app.test_client()
    response = login_with_form(client, "city@example.jp", DEMO_PASSWORD)
    assert response.headers["Location"].endswith("/city/")
    menu = client.get("/city/").get_data(as_text=True)
    assert 'href="/staff/kpi' in menu or "/kpi" in menu
    assert "/staff/logos/" in menu


def test_doctor_passes_here_and_prints_every_check(runner):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    checks = [line for line in lines if line.startswith(("ok      ", "PROBLEM "))]
    assert len(checks) == len(diagnostics.checks())
    assert all(line.startswith("ok      ") for line in checks), result.output
    for expected in ("database answers", "migrations at head", "Japanese fonts present",
                     "a test PDF renders with IPAex embedded", "harfbuzz-subset", "SECRET_KEY"):
        assert any(expected in line for line in checks), expected
    assert lines[-1] == "All checks passed."


def test_doctor_reports_a_problem_and_exits_non_zero(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.jp")
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM MAIL_SERVER is set but MAIL_DEFAULT_SENDER is empty" in result.output
    assert "1 problem(s) found." in result.output


def test_doctor_checks_that_the_rate_limit_storage_answers(app, runner, monkeypatch):
    import socket

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")  # nothing listens
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM rate-limit storage redis://127.0.0.1:1/0" in result.output

    with socket.socket() as probe:
        redis_runs = probe.connect_ex(("127.0.0.1", 6379)) == 0
    require_or_skip(redis_runs, "no Redis on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    result = runner.invoke(args=["doctor"])
    assert "ok      rate-limit storage answers (redis://127.0.0.1:6379/15)" in result.output


def test_users_create_makes_a_secretariat_who_can_sign_in(app, runner, client):
    args = ["users", "create", "boss@example.jp", "--name", "事務局長", "--role", "secretariat",
            "--password", "long-enough-password"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "created secretariat account boss@example.jp" in result.output
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.email == "boss@example.jp"))
        assert (boss.name, str(boss.role)) == ("事務局長", "secretariat")

    response = login_with_form(client, "boss@example.jp", "long-enough-password")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200

    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_makes_a_city_account_that_reaches_the_kpi_and_the_logo_permits(app, runner, client):
    result = runner.invoke(args=["users", "create", "city@example.jp", "--name", "熊本市 職員", "--role", "city",
                                 "--password", "long-enough-password"])
    assert result.exit_code == 0, result.output
    assert "created city account city@example.jp" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "city@example.jp"))
        assert (str(user.role), user.partner_id) == ("city", None)
        assert user.role.needs_second_factor and not user.role.is_staff

    assert login_with_form(client, "city@example.jp", "long-enough-password").status_code == 302
    assert client.get("/city/").status_code == 200
    assert client.get("/staff/logos/").status_code == 200
    assert client.get("/staff/").status_code == 403


def test_users_create_refuses_a_short_password(app, runner):
    result = runner.invoke(args=["users", "create", "boss@example.jp", "--name", "事務局長",
                                 "--role", "secretariat", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_outbox_status_prints_the_counts(app, runner):
    with app.app_context():
        states = [MailState.PENDING, MailState.PENDING, MailState.SENT, MailState.FAILED, MailState.PENDING]
        db.session.add_all(OutboxMail(recipient="a@example.jp", subject="s", body="b\n", locale="ja", state=state)
                           for state in states)
        db.session.commit()
    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    counts = dict(line.split() for line in result.output.splitlines())
    assert counts == {"pending": "3", "sending": "0", "sent": "1", "failed": "1"}
