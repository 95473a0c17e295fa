"""Claim by a letter's code: a valid code makes the account the owner at once (single use,
audited, mailed), records the contact and the representative (an accepted 変更届 and a dated
version); every wrong input gets its message on the field and stores nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from claim_helpers import COMPLETED, code_data, issue, post_form
from portal.claims.models import ClaimCode, RegistrationClaim
from portal.core.audit import AuditEntry
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.organisations.models import Membership
from portal.registrations import details
from portal.registrations.models import ChangeNotice, ChangeNoticeState, Registration
from support import login


def _stored(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Membership, RegistrationClaim, ChangeNotice))


def test_a_valid_code_claims_at_once_and_lands_on_the_registration(app, client, imported, claimant, mails):
    codes = issue(app, [imported["corporation"]])
    code = codes[imported["corporation"]]
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:]}".translate(str.maketrans("ABC", "ＡＢＣ"))
    response = post_form(client, "/claim/code", code_data(typed, number="ks01－0001"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/registrations/{imported['corporation']}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "KS01-0001" in page
    with app.app_context():
        registration = db.session.get(Registration, imported["corporation"])
        organisation = registration.organisation
        owner = organisation.owner
        assert owner.id == claimant and organisation.memberships[0].is_owner
        assert (organisation.representative_title, organisation.representative_name) == ("代表取締役", "肥後 一")
        assert (organisation.contact_name, organisation.contact_phone, organisation.contact_email,
                organisation.contact_department) == ("引継 花子", "096-111-2222", "soumu@example.jp", "総務部")
        notice = db.session.scalar(select(ChangeNotice))
        assert notice.state == ChangeNoticeState.ACCEPTED and notice.effective_on is not None
        assert notice.changes["representative_name"] == ["", "肥後 一"]
        versions = details.history(registration.id)
        assert versions[-1].representative_name == "肥後 一" and versions[-1].change_notice_id == notice.id
        used = db.session.scalar(select(ClaimCode))
        assert used.used_by_id == claimant and used.used_at is not None
        assert len(used.code_hash) == 64 and code not in used.code_hash
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"claim.code_used", "organisation.claimed", "change_notice.accepted"} <= actions
    assert [m.subject for m in mails("claimant@example.jp")] != []


def test_the_owner_can_then_invite_and_file_a_change(app, client, imported, claimant):
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    post_form(client, "/claim/code", code_data(code))
    with app.app_context():
        organisation_id = db.session.get(Registration, imported["corporation"]).organisation_id
    assert client.get(f"/organisations/{organisation_id}").status_code == 200
    assert client.get(f"/registrations/{imported['corporation']}/change").status_code == 200
    assert client.get("/claim/").status_code == 403  # no second organisation


def test_a_code_works_once(app, client, imported, claimant, make_user):
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    assert post_form(client, "/claim/code", code_data(code)).status_code == 302
    other = app.test_client()
    login(other, make_user(email="second@example.jp", locale="en"))
    response = post_form(other, "/claim/code", code_data(code))
    assert response.status_code == 200
    assert "This code has already been used." in response.get_data(as_text=True)


def _refused(app, client, data, message, field="code"):
    before = _stored(app)
    response = post_form(client, "/claim/code", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'id="{field}-error"' in page
    assert _stored(app) == before


def test_wrong_expired_replaced_codes_and_a_claimed_registration(app, client, imported, claimant, make_user):
    first = issue(app, [imported["corporation"], imported["group"]])
    _refused(app, client, code_data("ABCD-EFGH-JK23"), "This code does not match this registration number.")
    # the group's code with the corporation's number: the same answer
    _refused(app, client, code_data(first[imported["group"]]), "This code does not match this registration number.")
    # a number that does not exist
    _refused(app, client, code_data(first[imported["corporation"]], number="KS09-9999"),
             "This code does not match this registration number.")
    # a newer letter replaces the code
    second = issue(app, [imported["corporation"]])
    _refused(app, client, code_data(first[imported["corporation"]]), "This code has expired or was replaced")
    with app.app_context():
        for code in db.session.scalars(select(ClaimCode).where(ClaimCode.used_at.is_(None))):
            code.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    _refused(app, client, code_data(second[imported["corporation"]]), "This code has expired or was replaced")
    # a registration claimed meanwhile by someone else
    third = issue(app, [imported["group"]])
    other = app.test_client()
    login(other, make_user(email="owner@example.jp", locale="en"))
    fourth = issue(app, [imported["group"]])
    assert post_form(other, "/claim/code", code_data(fourth[imported["group"]], number="KS01-0002")).status_code == 302
    _refused(app, client, code_data(third[imported["group"]], number="KS01-0002"),
             "This registration has already been claimed.", field="number")


def test_missing_and_malformed_fields(app, client, imported, claimant):
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    before = _stored(app)
    response = post_form(client, "/claim/code", code_data("", contact_phone="12", contact_email="not-an-address",
                                                          representative_name=""))
    page = response.get_data(as_text=True)
    assert "Enter the claim code from the letter." in page
    assert "Enter a phone number of 10 or 11 digits" in page
    assert "Enter a valid e-mail address." in page
    assert 'id="representative_name-error"' in page
    assert _stored(app) == before
    assert post_form(client, "/claim/code", code_data(code)).status_code == 302


def test_an_unverified_account_is_told_to_confirm_first(app, client, imported, make_user):
    login(client, make_user(email="unverified@example.jp", verified=False, locale="en"))
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    page = client.get("/claim/code").get_data(as_text=True)
    assert "Confirm your e-mail address first" in page
    response = post_form(client, "/claim/code", code_data(code))
    assert response.status_code == 200
    assert _stored(app) == (0, 0, 0)


def test_staff_and_members_cannot_claim(app, imported, make_user, make_organisation):
    member = make_user(email="member@example.jp", locale="en")
    make_organisation(member)
    for user_id in (member, make_user("secretariat")):
        client = app.test_client()
        login(client, user_id)
        assert client.get("/claim/code").status_code == 403
