"""伴走支援記録: a partner records support for an organisation that consents; bad input gets a
clear message (never a 500) and nothing is stored; corrections and deletions are audited."""
from __future__ import annotations

from datetime import timedelta

import pytest

from partner_support import TODAY, client_for, record
from support import csrf_token
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.partners.models import SupportRecord


@pytest.fixture
def setting(app, partner, organisation):
    user = partner("bank-a")
    mine = organisation("支援先株式会社", consents=("bank-a",), status="registered")
    other = organisation("他行の支援先", consents=("bank-b",))
    client = client_for(app, user)
    return user, mine, other, client


def _records(app) -> list[SupportRecord]:
    with app.app_context():
        rows = db.session.scalars(db.select(SupportRecord).order_by(SupportRecord.id)).all()
        db.session.expunge_all()
        return rows


def _post(client, organisation_id, **data):
    token = csrf_token(client, f"/partner/organisations/{organisation_id}")
    return client.post(f"/partner/organisations/{organisation_id}/support", data={"csrf_token": token, **data})


def test_a_partner_records_support_and_the_organisation_sees_it_when_shared(app, setting):
    user, mine, _other, client = setting
    response = _post(client, mine.organisation_id, supported_on=TODAY.isoformat(), kind="loan",
                     notes="設備資金の融資を実行。金利<1%で合意。", shared="y")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/partner/organisations/{mine.organisation_id}#support-records")
    [made] = _records(app)
    assert (made.kind, made.supported_on, made.shared, made.recorded_by_id) == ("loan", TODAY, True, user)
    assert made.notes == "設備資金の融資を実行。金利<1%で合意。"  # "<1" is not markup
    page = client.get(f"/partner/organisations/{mine.organisation_id}").get_data(as_text=True)
    assert "The support was recorded." in page and "金利&lt;1%で合意" in page
    owner_page = client_for(app, mine.owner_id).get(f"/organisations/{mine.organisation_id}").get_data(as_text=True)
    assert "設備資金の融資を実行" in owner_page and "Loan or financing" in owner_page
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "support_record.created"))
        assert entry.actor_id == user and entry.changes["kind"] == "loan" and entry.changes["shared"] is True


@pytest.mark.parametrize("data, message", [
    ({"supported_on": (TODAY + timedelta(days=1)).isoformat(), "kind": "loan"},
     "The date of the support cannot be in the future."),
    ({"supported_on": TODAY.isoformat(), "kind": ""}, "Choose the kind of support."),
    ({"supported_on": TODAY.isoformat(), "kind": "bribe"}, "Choose the kind of support."),
    ({"supported_on": "", "kind": "loan"}, "Enter the date of the support."),
    ({"supported_on": "2026-02-31", "kind": "loan"}, "Enter a date (e.g. 2026-12-20)."),
    ({"supported_on": "yesterday", "kind": "loan"}, "Enter a date (e.g. 2026-12-20)."),
    ({"supported_on": TODAY.isoformat(), "kind": "consulting", "notes": "<script>alert(1)</script>"},
     "Notes are plain text: HTML tags cannot be used."),
    ({"supported_on": TODAY.isoformat(), "kind": "consulting", "notes": "<img src=x onerror=alert(1)>"},
     "Notes are plain text: HTML tags cannot be used."),
    ({"supported_on": TODAY.isoformat(), "kind": "consulting", "notes": "あ" * 2001},
     "Notes can be at most 2,000 characters."),
    ({"supported_on": TODAY.isoformat(), "kind": "consulting", "notes": "NUL\x00here"},
     "Contains characters that cannot be used."),
])
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(app, setting, data, message):
    _user, mine, _other, client = setting
    response = _post(client, mine.organisation_id, **data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    assert "<script>alert(1)</script>" not in page  # what was typed is shown back escaped
    assert _records(app) == []


def test_a_stale_token_keeps_what_was_typed(app, setting):
    _user, mine, _other, client = setting
    response = client.post(f"/partner/organisations/{mine.organisation_id}/support",
                           data={"csrf_token": "stale", "supported_on": TODAY.isoformat(), "kind": "loan",
                                 "notes": "残しておきたいメモ"})
    assert response.status_code == 400
    assert "残しておきたいメモ" in response.get_data(as_text=True)
    assert _records(app) == []


def test_support_for_an_organisation_that_does_not_consent_is_404(app, setting, organisation):
    _user, _mine, other, client = setting
    none_at_all = organisation("同意なし", consents=())
    for organisation_id in (other.organisation_id, none_at_all.organisation_id, 987654):
        response = _post(client, _mine.organisation_id, supported_on=TODAY.isoformat(), kind="loan") \
            if False else client.post(f"/partner/organisations/{organisation_id}/support",
                                      data={"csrf_token": csrf_token(client, "/partner/menus/new"),
                                            "supported_on": TODAY.isoformat(), "kind": "loan"})
        assert response.status_code == 404
    assert _records(app) == []


def test_the_operation_refuses_what_the_form_refuses(app, setting):
    from portal.accounts.models import User
    from portal.organisations.models import Organisation
    from portal.partners import operations

    user, mine, other, _client = setting
    with app.test_request_context():
        partner_user = db.session.get(User, user)
        with pytest.raises(operations.PartnerError) as refused:
            operations.record_support(db.session.get(Organisation, other.organisation_id), partner_user, TODAY,
                                      "loan", None, False)
        assert refused.value.code == "no_consent"
        for day, kind, notes, code in ((TODAY + timedelta(days=1), "loan", None, "future"),
                                       (TODAY, "", None, "kind"), (TODAY, "loan", "<b>x</b>", "markup")):
            with pytest.raises(operations.PartnerError) as refused:
                operations.record_support(db.session.get(Organisation, mine.organisation_id), partner_user, day, kind,
                                          notes, False)
            assert refused.value.code == code


def test_a_record_is_corrected_shared_and_deleted_with_audit_entries(app, setting):
    user, mine, _other, client = setting
    record_id = record(app, user, mine.organisation_id, shared=False, notes="最初のメモ")
    owner = client_for(app, mine.owner_id)
    assert "最初のメモ" not in owner.get(f"/organisations/{mine.organisation_id}").get_data(as_text=True)

    edit = f"/partner/support/{record_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "最初のメモ" in page and '<option selected value="consulting">' in page
    token = csrf_token(client, edit)
    bad = client.post(edit, data={"csrf_token": token, "supported_on": (TODAY + timedelta(days=3)).isoformat(),
                                  "kind": "seminar", "notes": "直したメモ"})
    assert bad.status_code == 200 and "The date of the support cannot be in the future." in bad.get_data(as_text=True)
    response = client.post(edit, data={"csrf_token": token, "supported_on": (TODAY - timedelta(days=2)).isoformat(),
                                       "kind": "seminar", "notes": "直したメモ", "shared": "y"})
    assert response.status_code == 302
    [changed] = _records(app)
    assert (changed.kind, changed.notes, changed.shared) == ("seminar", "直したメモ", True)
    assert "直したメモ" in owner.get(f"/organisations/{mine.organisation_id}").get_data(as_text=True)

    response = client.post(f"/partner/support/{record_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and _records(app) == []
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.object_type == "support_records").order_by(AuditEntry.id)).all()
        assert actions == ["support_record.created", "support_record.updated", "support_record.deleted"]
        updated = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "support_record.updated"))
        assert set(updated.changes) == {"supported_on", "kind", "shared", "notes"}
        assert "直したメモ" not in repr(updated.changes)  # notes' text stays out of the log


def test_a_record_cannot_be_changed_after_the_consent_ends(app, setting):
    from partner_support import revoke

    user, mine, _other, client = setting
    record_id = record(app, user, mine.organisation_id)
    token = csrf_token(client, f"/partner/support/{record_id}/edit")
    revoke(app, mine.organisation_id, "bank-a")
    assert client.get(f"/partner/support/{record_id}/edit").status_code == 404
    assert client.post(f"/partner/support/{record_id}/delete", data={"csrf_token": token}).status_code == 404
    # The record itself is kept for the secretariat.
    assert len(_records(app)) == 1
