"""Claim by request: the secretariat approves (the claimant becomes the owner, with what they
completed) or refuses with a reason; mail both ways, audited. Wrong identifying details, a
number that does not exist and a registration already claimed get one answer, and guessing is
rate-limited."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from claim_helpers import COMPLETED, CORPORATION, GROUP, SOLE, code_data, issue, post_form, request_data
from portal.claims.models import ClaimState, RegistrationClaim
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.organisations.models import Membership
from portal.registrations import details
from portal.registrations.models import Registration
from support import login

NO_MATCH = "We could not match these details with a registration that can be claimed."


def _claims(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(c.registration_id, c.state.value) for c in db.session.scalars(select(RegistrationClaim))]


def _ask(client, **fields):
    return post_form(client, "/claim/request", request_data(**fields))


def _secretariat(app, make_user):
    user_id = make_user("secretariat", email="sec@example.jp", locale="en")
    client = app.test_client()
    login(client, user_id)
    return client


def test_a_request_approved_makes_the_claimant_the_owner(app, client, imported, claimant, make_user, mails):
    secretariat = _secretariat(app, make_user)
    response = _ask(client)
    assert response.status_code == 302
    assert "waiting for the secretariat" in client.get("/claim/").get_data(as_text=True)
    assert [m.recipient for m in mails()] == ["claimant@example.jp", "sec@example.jp"]
    assert _claims(app) == [(imported["corporation"], "waiting")]
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))

    listing = secretariat.get("/staff/claims/").get_data(as_text=True)
    assert "1 claim waiting for a decision" in listing and f"/staff/claims/{claim_id}" in listing
    page = secretariat.get(f"/staff/claims/{claim_id}").get_data(as_text=True)
    for text in ("KS01-0001", "株式会社肥後引継", "肥後 一", "096-111-2222", "soumu@example.jp", "総務部の引継です。"):
        assert text in page
    response = post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"})
    assert response.status_code == 302
    assert _claims(app) == [(imported["corporation"], "approved")]
    with app.app_context():
        organisation = db.session.get(Registration, imported["corporation"]).organisation
        assert organisation.owner.email == "claimant@example.jp"
        assert organisation.representative_name == "肥後 一" and organisation.contact_phone == "096-111-2222"
        assert "claim.approved" in set(db.session.scalars(select(AuditEntry.action)))
    assert any("approved" in m.subject for m in mails("claimant@example.jp"))
    assert client.get(f"/registrations/{imported['corporation']}").status_code == 200
    # decided once: a second approval is refused and changes nothing
    post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1


def test_a_refusal_needs_a_reason_and_is_mailed(app, client, imported, claimant, make_user, mails):
    secretariat = _secretariat(app, make_user)
    _ask(client)
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
    response = post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "refuse", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for the refusal" in response.get_data(as_text=True)
    assert _claims(app) == [(imported["corporation"], "waiting")]
    post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "refuse", "reason": "代表者に確認できませんでした。"})
    assert _claims(app) == [(imported["corporation"], "refused")]
    refused = [m for m in mails("claimant@example.jp") if "refused" in m.subject]
    assert refused and "代表者に確認できませんでした。" in refused[0].body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
    # refused: the claimant may ask again
    assert _ask(client).status_code == 302


def test_groups_and_sole_proprietors_by_name_and_postal_code(app, client, imported, claimant):
    response = _ask(client, number="KS01-0002", corporate_number="", name="くまもと　川守の会", postal_code="８６１８００１")
    assert response.status_code == 302
    assert _claims(app) == [(imported["group"], "waiting")]


def test_one_answer_for_every_wrong_identification(app, client, imported, claimant, make_user):
    # KS01-0003 is claimed already, with its code
    owner = app.test_client()
    login(owner, make_user(email="owner@example.jp", locale="en"))
    code = issue(app, [imported["sole"]])[imported["sole"]]
    assert post_form(owner, "/claim/code", code_data(code, number="KS01-0003")).status_code == 302

    attempts = {
        "unknown number": dict(number="KS01-0999"),
        "wrong corporate number": dict(corporate_number=_other_corporate_number()),
        "group with a corporate number": dict(number="KS01-0002"),
        "wrong name": dict(number="KS01-0002", corporate_number="", name="別の会", postal_code=GROUP["postal_code"]),
        "wrong postal code": dict(number="KS01-0002", corporate_number="", name=GROUP["name"], postal_code="8600806"),
        "already claimed": dict(number="KS01-0003", corporate_number="", name=SOLE["name"],
                                postal_code=SOLE["postal_code"]),
    }
    answers = {}
    for label, fields in attempts.items():
        response = _ask(client, **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, label
        assert NO_MATCH in page, label
        assert 'id="number-error"' in page, label
        answers[label] = _error_block(page)
    assert len(set(answers.values())) == 1
    assert _claims(app) == [(imported["sole"], "approved")]


def _other_corporate_number() -> str:
    from claim_helpers import corporate_number

    return corporate_number(9999)


def _error_block(page: str) -> str:
    start = page.index('id="number-error"')
    return page[start:page.index("</p>", start)]


def test_missing_identification_and_bad_fields_say_so(app, client, imported, claimant):
    response = _ask(client, corporate_number="", name="", postal_code="", contact_email="x")
    page = response.get_data(as_text=True)
    assert "Enter the corporate number, or (for a group or a sole proprietor) the name and the postal code." in page
    assert "Enter a valid e-mail address." in page
    response = _ask(client, corporate_number="123")
    assert "A corporate number has 13 digits." in response.get_data(as_text=True)
    assert _claims(app) == []


def test_guessing_is_rate_limited_per_account(app, client, imported, claimant, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_FAILURES_PER_USER", "3 per hour")
    for _ in range(3):
        assert _ask(client, number="KS01-0999").status_code == 200
    assert _ask(client).status_code == 429
    assert post_form(client, "/claim/code", code_data("ABCD-EFGH-JK23")).status_code == 429
    assert _claims(app) == []


def test_the_limit_counts_failures_only(app, client, imported, claimant, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_FAILURES_PER_USER", "2 per hour")
    for _ in range(4):  # a form with a typo is not a guess
        assert _ask(client, contact_phone="12").status_code == 200
    assert _ask(client).status_code == 302


def test_guessing_is_rate_limited_per_client(app, imported, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_FAILURES_PER_CLIENT", "2 per hour")
    for email in ("one@example.jp", "two@example.jp"):
        client = app.test_client()
        login(client, make_user(email=email, locale="en"))
        assert post_form(client, "/claim/code", code_data("ABCD-EFGH-JK23")).status_code == 200
    client = app.test_client()
    login(client, make_user(email="three@example.jp", locale="en"))
    assert post_form(client, "/claim/code", code_data("ABCD-EFGH-JK23")).status_code == 429


def test_one_waiting_request_at_a_time_and_approval_refuses_the_others(app, client, imported, claimant, make_user,
                                                                       mails):
    secretariat = _secretariat(app, make_user)
    assert _ask(client).status_code == 302
    assert "You already asked to claim a registration" in client.get("/claim/request").get_data(as_text=True)
    assert _ask(client, number="KS01-0002", corporate_number="", name=GROUP["name"],
                postal_code=GROUP["postal_code"]).status_code == 200
    rival = app.test_client()
    login(rival, make_user(email="rival@example.jp", locale="en"))
    assert _ask(rival).status_code == 302
    with app.app_context():
        first = db.session.scalar(select(RegistrationClaim.id).order_by(RegistrationClaim.id))
    post_form(secretariat, f"/staff/claims/{first}", {"decision": "approve"})
    assert sorted(state for _, state in _claims(app)) == ["approved", "refused"]
    assert any("refused" in m.subject for m in mails("rival@example.jp"))


def test_an_expired_imported_registration_is_claimed_and_its_representative_recorded(app, client, make_user,
                                                                                   claimant):
    from portal.registrations.importer import import_rows

    with app.test_request_context():
        import_rows([CORPORATION], 1, date(2021, 8, 25))  # its term ended in 2024
        db.session.commit()
    secretariat = _secretariat(app, make_user)
    assert _ask(client).status_code == 302
    with app.app_context():
        claim_id = db.session.scalar(select(RegistrationClaim.id))
    post_form(secretariat, f"/staff/claims/{claim_id}", {"decision": "approve"})
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.organisation.owner.email == "claimant@example.jp"
        versions = details.history(registration.id)
        assert [v.representative_name for v in versions] == ["", COMPLETED["representative_name"]]
        assert db.session.scalar(select(RegistrationClaim.state)) == ClaimState.APPROVED
