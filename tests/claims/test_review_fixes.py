"""What a claim may change and when: a representative that differs from a certified one is
filed for the secretariat (never taken over), a blank one is filled; one mail per claim; the
approval checks the claimant's account again; codes work through the whole printed last day in
JST; the failure limit is per account, whatever its session."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from claim_helpers import COMPLETED, CORPORATION, code_data, issue, post_form, request_data
from portal.accounts.models import User
from portal.claims import operations
from portal.claims.models import ClaimCode, ClaimState, RegistrationClaim
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.registrations import details
from portal.registrations import operations as registrations
from portal.registrations.models import ChangeNotice, ChangeNoticeState, Registration
from support import login

DIFFERS = "The representative you gave differs from the one the registration certifies"


def _certify(app, registration_id: int, **values) -> None:
    """Give an imported registration a certified representative (as an accepted 変更届 would)."""
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        for field, value in values.items():
            setattr(registration.organisation, field, value)
        details.open_version(registration, details.values_of(registration.organisation),
                             date.today() - timedelta(days=100))
        db.session.commit()


def _secretariat(app, make_user):
    user_id = make_user("secretariat", email="sec@example.jp", locale="en")
    client = app.test_client()
    login(client, user_id)
    return user_id, client


def _notices(app):
    with app.app_context():
        rows = db.session.scalars(select(ChangeNotice).order_by(ChangeNotice.id)).all()
        return [(n.state, n.changes, n.filed_by_id, n.handled_by_id) for n in rows]


def test_a_code_files_a_different_representative_for_review(app, client, imported, claimant, make_user, mails):
    _certify(app, imported["corporation"], representative_title="社長", representative_name="肥後 太郎")
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    response = post_form(client, "/claim/code", code_data(code), follow_redirects=True)
    assert DIFFERS in response.get_data(as_text=True)
    with app.app_context():
        registration = db.session.get(Registration, imported["corporation"])
        organisation = registration.organisation
        assert organisation.owner.id == claimant
        assert (organisation.representative_title, organisation.representative_name) == ("社長", "肥後 太郎")
        assert details.current(registration).representative_name == "肥後 太郎"
    assert _notices(app) == [(ChangeNoticeState.FILED, {"representative_title": ["社長", "代表取締役"],
                                                        "representative_name": ["肥後 太郎", "肥後 一"]},
                              claimant, None)]
    sent = mails("claimant@example.jp")
    assert len(sent) == 1 and DIFFERS in sent[0].body
    # the secretariat accepts it like any other 変更届
    staff, _client = _secretariat(app, make_user)
    with app.test_request_context():
        notice = db.session.scalar(select(ChangeNotice))
        registrations.accept_change_notice(notice, db.session.get(User, staff))
        db.session.commit()
        assert db.session.get(Registration, imported["corporation"]).organisation.representative_name == "肥後 一"


def test_a_code_fills_a_blank_field_and_files_the_other(app, client, imported, claimant):
    _certify(app, imported["corporation"], representative_name="肥後 太郎")
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    assert post_form(client, "/claim/code", code_data(code)).status_code == 302
    with app.app_context():
        organisation = db.session.get(Registration, imported["corporation"]).organisation
        assert (organisation.representative_title, organisation.representative_name) == ("代表取締役", "肥後 太郎")
    assert _notices(app) == [
        (ChangeNoticeState.ACCEPTED, {"representative_title": ["", "代表取締役"]}, claimant, None),
        (ChangeNoticeState.FILED, {"representative_name": ["肥後 太郎", "肥後 一"]}, claimant, None)]


def test_a_code_on_a_live_registration_sends_one_mail(app, client, imported, claimant, mails):
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    assert post_form(client, "/claim/code", code_data(code)).status_code == 302
    assert [m.subject for m in mails("claimant@example.jp")] == ["[Kumamoto Prefecture SDGs Registration System] You claimed registration KS01-0001"]
    with app.app_context():
        assert db.session.get(Registration, imported["corporation"]).organisation.representative_name == "肥後 一"
    [(state, changes, filer, handler)] = _notices(app)
    assert state == ChangeNoticeState.ACCEPTED and filer == claimant and handler is None  # a blank filled


def test_an_approval_fills_blanks_as_the_staff_member_and_mails_once(app, client, imported, claimant, make_user,
                                                                      mails):
    staff, secretariat = _secretariat(app, make_user)
    assert post_form(client, "/claim/request", request_data()).status_code == 302
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
    before = len(mails("claimant@example.jp"))
    post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"})
    sent = mails("claimant@example.jp")[before:]
    assert [m.subject for m in sent] == ["[Kumamoto Prefecture SDGs Registration System] Your claim of registration KS01-0001 was approved"]
    [(state, _changes, filer, handler)] = _notices(app)
    assert (state, filer, handler) == (ChangeNoticeState.ACCEPTED, claimant, staff)


def test_an_ended_registration_keeps_a_different_representative(app, client, make_user, claimant, mails):
    from portal.registrations.importer import import_rows

    with app.test_request_context():
        import_rows([CORPORATION], 1, date(2021, 8, 25))  # its term ended in 2024
        db.session.commit()
        registration_id = db.session.scalar(select(Registration.id))
    _certify(app, registration_id, representative_title="代表取締役", representative_name="肥後 太郎")
    staff, secretariat = _secretariat(app, make_user)
    assert post_form(client, "/claim/request", request_data()).status_code == 302
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
    post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"})
    with app.app_context():
        organisation = db.session.get(Registration, registration_id).organisation
        assert organisation.owner.id == claimant and organisation.representative_name == "肥後 太郎"
    assert _notices(app) == []
    assert "apply to renew" in mails("claimant@example.jp")[-1].body


@pytest.mark.parametrize("change, message", [
    ({"active": False}, "account has been deactivated: the claim cannot be approved"),
    ({"email_verified_at": None}, "The claimant has not confirmed their e-mail address"),
])
def test_an_approval_checks_the_claimant_again(app, client, imported, claimant, make_user, change, message):
    staff, secretariat = _secretariat(app, make_user)
    assert post_form(client, "/claim/request", request_data()).status_code == 302
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
        user = db.session.get(User, claimant)
        for field, value in change.items():
            setattr(user, field, value)
        db.session.commit()
    page = post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"},
                     follow_redirects=True).get_data(as_text=True)
    assert message in page
    with app.app_context():
        claim = db.session.get(RegistrationClaim, claim_id)
        assert claim.state == ClaimState.WAITING
        assert db.session.get(Registration, imported["corporation"]).organisation.owner is None


def test_an_approval_refuses_a_claimant_who_joined_an_organisation(app, client, imported, claimant, make_user,
                                                                   make_organisation):
    staff, secretariat = _secretariat(app, make_user)
    assert post_form(client, "/claim/request", request_data()).status_code == 302
    make_organisation(claimant)
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
    page = post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"},
                     follow_redirects=True).get_data(as_text=True)
    assert "account already belongs to an organisation: the claim cannot be approved" in page
    with app.app_context():
        assert db.session.get(RegistrationClaim, claim_id).state == ClaimState.WAITING


def test_a_code_works_through_the_printed_last_day_in_jst(app, imported, claimant, monkeypatch):
    issued_on = date(2030, 4, 1)
    last_day = date(2030, 4, 1) + timedelta(days=app.config["CLAIM_CODE_DAYS"])
    with app.test_request_context():
        assert operations.code_last_day(issued_on) == last_day
        registration = db.session.get(Registration, imported["corporation"])
        code = operations.issue_codes([registration], db.session.get(User, claimant), last_day=last_day)[registration.id]
        db.session.commit()

    def claim_at(moment: datetime):
        monkeypatch.setattr(operations, "utcnow", lambda: moment.astimezone(timezone.utc))
        with app.test_request_context():
            try:
                operations.claim_with_code("KS01-0001", code, db.session.get(User, claimant), COMPLETED)
            except operations.ClaimError as error:
                db.session.rollback()
                return error.code
            db.session.rollback()
            return "claimed"

    assert claim_at(datetime.combine(last_day + timedelta(days=1), datetime.min.time(), JST)) == "expired_code"
    assert claim_at(datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=JST)) == "claimed"


def test_the_printed_last_day_is_the_codes_last_day(app, imported, make_user, monkeypatch):
    from portal.claims import letters
    from portal.cohorts.models import Cohort
    from portal.core.i18n import today_jst

    staff = make_user("secretariat", email="sec@example.jp")
    captured = {}
    real = letters.letter_data

    def spy(*args):
        captured["data"] = real(*args)
        return captured["data"]

    monkeypatch.setattr(letters, "letter_data", spy)
    with app.test_request_context():
        letters.make_letters(db.session.get(Cohort, imported["cohort"]), db.session.get(User, staff))
        printed = captured["data"]["expires_on"]
        assert printed == today_jst() + timedelta(days=app.config["CLAIM_CODE_DAYS"])
        expires = db.session.scalars(select(ClaimCode.expires_at)).first()
        assert expires.astimezone(JST) == datetime.combine(printed + timedelta(days=1), datetime.min.time(), JST)


def test_signing_in_again_does_not_reset_the_failure_count(app, client, imported, claimant, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_FAILURES_PER_USER", "2 per hour")
    for _ in range(2):
        assert post_form(client, "/claim/request", request_data(number="KS01-0999")).status_code == 200
    with app.app_context():  # signing out rotates the session token
        user = db.session.get(User, claimant)
        old_token = user.session_token
        user.session_token = "rotated-token"
        db.session.commit()
    again = app.test_client()
    login(again, claimant)
    assert post_form(again, "/claim/request", request_data(number="KS01-0999")).status_code == 429
    from portal.core.extensions import limiter

    keys = " ".join(str(key) for key in getattr(getattr(limiter, "_storage", None), "storage", {}))
    assert old_token not in keys and "rotated-token" not in keys
