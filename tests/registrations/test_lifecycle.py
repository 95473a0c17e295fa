"""A registration's life after the decision: withdrawal (辞退) by the registrant, revocation
(取消) by the secretariat, the reminders before the term ends, who may do what, and the staff
list's cost in queries (change notices, 変更届: test_change_notices.py)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pages import structure_problems
from sqlalchemy import delete, select
from support import counted, csrf_token, login, minimal_content

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.cohorts import operations as cohorts
from portal.cohorts.models import Cohort, CohortState
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.outbox import OutboxMail
from portal.organisations.models import Membership, Organisation
from portal.registrations.models import ChangeNotice, Registration, RegistrationState
from portal.registrations.terms import add_months, term_end

TODAY = today_jst()
DECIDED_ON = TODAY - timedelta(days=30)
NAME = "くまもと水と森の会"
NEW_NAME = "くまもと水と緑の会"


@pytest.fixture
def registered(app, make_user, make_organisation):
    """registered(names=(NAME,), locales=None) -> [{"id", "number", "owner", "organisation"}] for
    registrations created the real way: applications submitted, recommended, the cohort decided.
    The outbox is empty afterwards."""

    content = minimal_content(6)
    reviewer_id = make_user("reviewer")

    def build(names=(NAME,), locales=None, number: int = 7) -> list[dict]:
        now = datetime.now(UTC)
        locales = locales or ["ja"] * len(names)
        owners = [make_user(locale=locale) for locale in locales]
        organisations = [make_organisation(owner, corporate_number=None, kind="group", name=name)
                         for owner, name in zip(owners, names)]
        with app.test_request_context():
            cohort = cohorts.plan_cohort(number, now - timedelta(days=60), now - timedelta(days=40))
            cohorts.move_cohort(cohort, CohortState.OPEN)
            reviewer = db.session.get(User, reviewer_id)
            for index, owner_id in enumerate(owners):
                owner = db.session.get(User, owner_id)
                application = applications.start_application(owner.organisation, cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner, now=now - timedelta(days=50, minutes=-index))
                applications.start_review(application, reviewer)
                applications.recommend(application, True, reviewer, "")
            cohorts.move_cohort(cohort, CohortState.CLOSED)
            secretariat = User(email=f"decider-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
            db.session.add(secretariat)
            cohorts.decide_cohort(db.session.get(Cohort, cohort.id), DECIDED_ON, secretariat)
            db.session.execute(delete(OutboxMail))  # the decision's mails are not what these tests read
            db.session.commit()
            found = []
            for owner_id, organisation_id in zip(owners, organisations):
                registration = db.session.scalar(select(Registration).where(
                    Registration.organisation_id == organisation_id))
                found.append({"id": registration.id, "number": registration.number, "owner": owner_id,
                              "organisation": organisation_id})
            return found

    return build


def _update(app, registration_id: int, **fields) -> None:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        for key, value in fields.items():
            setattr(registration, key, value)
        db.session.commit()


def _stored(app, model, object_id):
    with app.app_context():
        found = db.session.get(model, object_id)
        db.session.expunge(found)
        return found


def _email(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def _add_member(app, make_user, organisation_id: int, email: str, locale: str = "ja") -> int:
    user_id = make_user(email=email, locale=locale)
    with app.app_context():
        db.session.add(Membership(organisation_id=organisation_id, user_id=user_id))
        db.session.commit()
    return user_id


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return rows


def _client(app, user_id: int | None):
    client = app.test_client()
    if user_id is not None:
        login(client, user_id)
    return client


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- withdrawal (辞退) --------------------------------------------------------------------------

def test_withdrawal_needs_the_confirmation_then_ends_the_registration(app, registered, make_user, mails):
    [registration] = registered()
    rid = registration["id"]
    _update(app, rid, valid_until=TODAY + timedelta(days=90))  # within the renewal window
    colleague = _add_member(app, make_user, registration["organisation"], "colleague@example.jp")
    client = _client(app, registration["owner"])
    show = f"/registrations/{rid}"
    path = f"/registrations/{rid}/withdraw"
    page = _page(client.get(show))
    assert f'href="{path}"' in page and f'href="/applications/renew/{rid}"' in page

    form = client.get(path)
    assert form.status_code == 200 and not structure_problems(_page(form))
    response = client.post(path, data={"reason": "事業を整理するため", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert 'id="confirm-error"' in _page(response) and "事業を整理するため" in _page(response)
    assert _stored(app, Registration, rid).state == RegistrationState.ACTIVE and mails() == []

    response = client.post(path, data={"reason": "事業を整理するため", "confirm": "y",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"].endswith(show)
    stored = _stored(app, Registration, rid)
    assert (stored.state, stored.ended_on, stored.end_reason) == (RegistrationState.WITHDRAWN, TODAY, "事業を整理するため")
    [entry] = _audit(app, "registration.withdrawn")
    assert entry.object_id == rid and entry.actor_id == registration["owner"]
    for member in (registration["owner"], colleague):
        [mail] = mails(_email(app, member))
        assert f"http://portal.test/registrations/{rid}" in mail.body and registration["number"] in mail.body
    assert len(mails()) == 2  # the members only: the secretariat is not mailed

    english = _page(app.test_client().get(f"/verify/{registration['number']}?lang=en"))
    assert "Withdrawn by the registrant" in english and "the registrant withdrew on" in english
    assert "事業を整理するため" not in english  # the reason is not public
    page = _page(client.get(show))
    assert not structure_problems(page)
    assert f'href="/applications/renew/{rid}"' not in page and f'href="{path}"' not in page
    assert client.get(f"/applications/renew/{rid}").status_code == 404
    assert client.get(path).status_code == 404
    assert client.post(path, data={"confirm": "y", "csrf_token": csrf_token(client, show)}).status_code == 404
    assert len(mails()) == 2


def test_an_expired_registration_cannot_be_withdrawn(app, registered):
    [registration] = registered()
    _update(app, registration["id"], registered_on=TODAY - timedelta(days=1200), valid_until=TODAY - timedelta(days=1))
    client = _client(app, registration["owner"])
    assert client.get(f"/registrations/{registration['id']}/withdraw").status_code == 404
    assert client.get(f"/registrations/{registration['id']}/change").status_code == 404


# --- revocation (取消) ---------------------------------------------------------------------------

def test_revocation_needs_the_secretariat_and_a_reason(app, registered, make_user, mails):
    [registration] = registered()
    rid = registration["id"]
    path = f"/staff/registrations/{rid}/revoke"
    reviewer = _client(app, make_user("reviewer"))
    assert reviewer.get(path).status_code == 403
    token = csrf_token(reviewer, "/account")
    assert reviewer.post(path, data={"reason": "x", "confirm": "y", "csrf_token": token}).status_code == 403
    staff_page = reviewer.get(f"/staff/registrations/{rid}")
    assert staff_page.status_code == 200 and f'href="{path}"' not in _page(staff_page)

    secretariat_id = make_user("secretariat")
    secretariat = _client(app, secretariat_id)
    assert f'href="{path}"' in _page(secretariat.get(f"/staff/registrations/{rid}"))
    form = secretariat.get(path)
    assert form.status_code == 200 and not structure_problems(_page(form))
    response = secretariat.post(path, data={"reason": "  ", "confirm": "y", "csrf_token": csrf_token(secretariat, path)})
    assert response.status_code == 200 and 'id="reason-error"' in _page(response)
    response = secretariat.post(path, data={"reason": "虚偽の申請が判明したため", "csrf_token": csrf_token(secretariat, path)})
    assert response.status_code == 200 and 'id="confirm-error"' in _page(response)
    assert _stored(app, Registration, rid).state == RegistrationState.ACTIVE and mails() == []

    response = secretariat.post(path, data={"reason": "虚偽の申請が判明したため", "confirm": "y",
                                            "csrf_token": csrf_token(secretariat, path)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/registrations/{rid}")
    stored = _stored(app, Registration, rid)
    assert (stored.state, stored.ended_on, stored.end_reason) == (RegistrationState.REVOKED, TODAY, "虚偽の申請が判明したため")
    [entry] = _audit(app, "registration.revoked")
    assert entry.actor_id == secretariat_id and entry.changes["reason"] == "虚偽の申請が判明したため"
    [mail] = mails(_email(app, registration["owner"]))
    assert "虚偽の申請が判明したため" in mail.body and f"http://portal.test/registrations/{rid}" in mail.body

    english = _page(app.test_client().get(f"/verify/{registration['number']}?lang=en"))
    assert "Revoked" in english and "it was revoked on" in english and "虚偽の申請" not in english
    assert "虚偽の申請が判明したため" in _page(_client(app, registration["owner"]).get(f"/registrations/{rid}"))
    staff_page = _page(secretariat.get(f"/staff/registrations/{rid}?lang=en"))
    assert not structure_problems(staff_page)
    assert "Revoked by the secretariat" in staff_page and f'href="{path}"' not in staff_page
    # Revoking again changes nothing.
    assert secretariat.post(path, data={"reason": "再度", "confirm": "y",
                                        "csrf_token": csrf_token(secretariat, "/account")}).status_code == 302
    assert len(_audit(app, "registration.revoked")) == 1 and len(mails()) == 1


# --- change notices (変更届): tests/registrations/test_change_notices.py -------------------------------

# --- reminders before the term ends --------------------------------------------------------------

def _remind(runner, day=None):
    result = runner.invoke(args=["registrations", "remind", *(["--today", day.isoformat()] if day else [])])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_six_months_and_one_month_before_the_end_once_each(app, runner, registered, make_user, mails):
    soon, sooner, expired, withdrawn, later = registered(
        names=("六か月の会", "一か月の会", "期限切れの会", "辞退した会", "まだ先の会"),
        locales=["en", "ja", "ja", "ja", "ja"])
    _update(app, soon["id"], valid_until=add_months(TODAY, 5))
    _update(app, sooner["id"], valid_until=TODAY + timedelta(days=20))
    _update(app, expired["id"], valid_until=TODAY - timedelta(days=1))
    _update(app, withdrawn["id"], valid_until=add_months(TODAY, 5), state=RegistrationState.WITHDRAWN,
            ended_on=TODAY - timedelta(days=3))
    _update(app, later["id"], valid_until=add_months(TODAY, 60))
    colleague = _add_member(app, make_user, sooner["organisation"], "colleague@example.jp")

    assert "6-month reminders: 1 registration(s); 1-month reminders: 1 registration(s); 3 mail(s)" in _remind(runner)
    [english] = mails(_email(app, soon["owner"]))
    assert english.locale == "en" and "six months" in english.subject
    assert f"http://portal.test/applications/renew/{soon['id']}" in english.body
    valid_until = add_months(TODAY, 5)
    assert f"{valid_until.year}年{valid_until.month}月{valid_until.day}日" not in english.body  # an English date
    for member in (sooner["owner"], colleague):
        [mail] = mails(_email(app, member))
        assert mail.locale == "ja" and f"http://portal.test/applications/renew/{sooner['id']}" in mail.body
        end = TODAY + timedelta(days=20)  # in 和暦, with the western year
        assert f"令和{end.year - 2018}年（{end.year}年）{end.month}月{end.day}日" in mail.body
    for nothing in (expired, withdrawn, later):
        assert mails(_email(app, nothing["owner"])) == []
    assert len(mails()) == 3
    stamps = {r["id"]: _stored(app, Registration, r["id"]) for r in (soon, sooner, later)}
    assert stamps[soon["id"]].reminded_6m_at and not stamps[soon["id"]].reminded_1m_at
    assert stamps[sooner["id"]].reminded_1m_at and stamps[sooner["id"]].reminded_6m_at  # too late for 6 months
    assert not stamps[later["id"]].reminded_6m_at

    # A second run, the same day or the next, sends nothing.
    assert "0 mail(s)" in _remind(runner)
    assert "0 mail(s)" in _remind(runner, TODAY + timedelta(days=1))
    assert len(mails()) == 3

    # A month before the end, the six-month registration gets its second reminder, once.
    day = add_months(TODAY, 4) + timedelta(days=1)
    assert "6-month reminders: 0 registration(s); 1-month reminders: 1 registration(s); 1 mail(s)" in _remind(runner, day)
    [_, second] = mails(_email(app, soon["owner"]))
    assert second.locale == "en" and "one month" in second.subject
    assert "0 mail(s)" in _remind(runner, day)
    assert len(mails()) == 4

    # Renewed for three more years: the next term is reminded again.
    renewed_until = add_months(add_months(TODAY, 5), 36)
    _update(app, soon["id"], valid_until=renewed_until)
    assert "0 mail(s)" in _remind(runner, day)
    assert "6-month reminders: 1 registration(s); 1-month reminders: 0 registration(s); 1 mail(s)" in _remind(
        runner, add_months(renewed_until, -6))
    assert len(mails(_email(app, soon["owner"]))) == 3
    assert len(_audit(app, "registration.reminded")) == 4
    timeline = _page(_client(app, make_user("secretariat")).get(f"/staff/registrations/{soon['id']}?lang=en"))
    assert timeline.count("the term ends within six months") == 2 and "the term ends within one month" in timeline


def test_a_reminder_run_costs_the_same_queries_for_few_or_many(app, registered):
    """All due registrations are read with their members at once; mails, stamps and audit
    entries are written in bulk."""
    from portal.registrations.operations import send_term_reminders

    counts = []
    for number, size in ((7, 2), (8, 6)):
        for registration in registered(names=tuple(f"会{number}-{n}" for n in range(size)), number=number):
            _update(app, registration["id"], valid_until=add_months(TODAY, 5))
        with app.test_request_context(), counted(app) as statements:
            result = send_term_reminders(TODAY)
            db.session.commit()
        assert (result.six_months, result.mails) == (size, size)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- who may do what -------------------------------------------------------------------------------

def test_other_organisations_partners_and_reviewers_are_kept_out(app, registered, make_user, make_organisation):
    first, second = registered(names=(NAME, "ほかの会"))
    rid = first["id"]
    partner = make_user("partner", partner="bank-x")
    reviewer = make_user("reviewer")
    own_pages = (f"/registrations/{rid}/withdraw", f"/registrations/{rid}/change")
    for user in (second["owner"], partner, reviewer):
        client = _client(app, user)
        for path in own_pages:
            assert client.get(path).status_code == 404, (user, path)
            token = csrf_token(client, "/account")
            assert client.post(path, data={"confirm": "y", "name": "乗っ取り", "csrf_token": token}).status_code == 404
    for user in (second["owner"], partner):
        client = _client(app, user)
        assert client.get(f"/registrations/{rid}").status_code == 404
        for path in ("/staff/registrations/", f"/staff/registrations/{rid}", f"/staff/registrations/{rid}/revoke",
                     "/staff/registrations/notices"):
            assert client.get(path).status_code == 403, (user, path)
    anonymous = app.test_client()
    for path in (*own_pages, f"/staff/registrations/{rid}", f"/staff/registrations/{rid}/revoke"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login?next" in response.headers["Location"]
    assert _stored(app, Registration, rid).state == RegistrationState.ACTIVE
    with app.app_context():
        assert db.session.get(Organisation, first["organisation"]).name == NAME
    staff = _client(app, reviewer)
    assert staff.get(f"/staff/registrations/{rid}").status_code == 200
    assert staff.get("/staff/registrations/999999").status_code == 404


# --- the staff list ----------------------------------------------------------------------------------

def _add_registrations(app, make_user, make_organisation, cohort_id: int, start: int, count: int) -> None:
    """Registrations inserted directly (the list only reads them), every third with a notice."""
    for sequence in range(start, start + count):
        owner = make_user()
        organisation_id = make_organisation(owner, kind="group", corporate_number=None, name=f"団体{sequence}",
                                            **({"postal_code": "8660862", "address": "熊本県八代市松江城町1-25"}
                                               if sequence % 2 else {}))
        with app.app_context():
            registration = Registration(number=Registration.format_number(9, sequence), cohort_id=cohort_id,
                                        sequence=sequence, organisation_id=organisation_id, registered_on=DECIDED_ON,
                                        valid_until=term_end(DECIDED_ON),
                                        state=RegistrationState.WITHDRAWN if sequence % 5 == 0 else "active")
            db.session.add(registration)
            db.session.flush()
            if sequence % 3 == 0:
                db.session.add(ChangeNotice(registration_id=registration.id, filed_by_id=owner,
                                            changes={"name": ["旧", f"団体{sequence}"]}))
            db.session.commit()


def test_the_staff_list_costs_the_same_queries_for_3_and_30_registrations(app, make_user, make_organisation):
    with app.app_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(9, now - timedelta(days=90), now - timedelta(days=60))
        db.session.commit()
        cohort_id = cohort.id
    client = _client(app, make_user("secretariat"))
    sizes = {}
    for start, count in ((1, 3), (4, 27)):
        _add_registrations(app, make_user, make_organisation, cohort_id, start, count)
        client.get("/staff/registrations/")  # warm up
        with counted(app) as statements:
            response = client.get("/staff/registrations/?lang=en")
        assert response.status_code == 200 and not structure_problems(_page(response))
        sizes[start + count - 1] = (len(statements), _page(response))
    assert sizes[3][0] == sizes[30][0], sizes
    assert sizes[30][1].count('id="registration-') == 30 and "KS09-0030" in sizes[30][1]
    # Filters and search.
    filtered = _page(client.get(f"/staff/registrations/?cohort={cohort_id}&status=withdrawn"))
    assert filtered.count('id="registration-') == 6
    assert _page(client.get("/staff/registrations/?where=in_city")).count('id="registration-') == 15
    assert _page(client.get("/staff/registrations/?notices=open")).count('id="registration-') == 10
    found = _page(client.get("/staff/registrations/?q=ｋｓ０９－０００７"))
    assert found.count('id="registration-') == 1 and "団体7" in found
    assert _page(client.get("/staff/registrations/?q=団体12")).count('id="registration-') == 1
    assert _page(client.get("/staff/registrations/?page=2")).count('id="registration-') == 0
