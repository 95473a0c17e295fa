"""The register is a record: certified details are locked while a registration is live, and change
only by a change notice (変更届) the secretariat accepts — then the organisation changes, the
registration keeps a dated history, the certificate is reissued (再交付) and /verify, the directory
and the open data show the new details. Through the HTTP stack."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pages import structure_problems
from pypdf import PdfReader
from sqlalchemy import select
from support import csrf_token
from test_lifecycle import NAME, NEW_NAME, TODAY, _audit, _client, _email, _page, _stored, _update, registered  # noqa: F401

from portal.core.extensions import db
from portal.core.japanese import wareki
from portal.organisations.models import Organisation
from portal.registrations.models import ChangeNotice, RegistrationDetails, RegistrationState

PDF = b"%PDF-1.4\n% a certified copy of the register\n"
EFFECTIVE = TODAY - timedelta(days=5)


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path, monkeypatch):
    """Certificates and supporting documents of this test's own."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def _notice_form(client, rid: int, document=None, **fields):
    path = f"/registrations/{rid}/change"
    data = {"name": NAME, "name_kana": "カブシキガイシャテストクマモト", "representative_title": "代表取締役",
            "representative_name": "熊本 花子", "postal_code": "860-0806", "address": "熊本県熊本市中央区花畑町1-1",
            "industry": "E", "effective_on": EFFECTIVE.isoformat(), "note": "", **fields,
            "csrf_token": csrf_token(client, path)}
    if document is not None:
        data["document"] = document
    return client.post(path, data=data, content_type="multipart/form-data")


def _notices(app) -> list[ChangeNotice]:
    with app.app_context():
        found = db.session.scalars(select(ChangeNotice).order_by(ChangeNotice.id)).all()
        db.session.expunge_all()
        return found


def _organisation(app, organisation_id: int) -> Organisation:
    return _stored(app, Organisation, organisation_id)


def _versions(app, rid: int) -> list[RegistrationDetails]:
    with app.app_context():
        found = db.session.scalars(select(RegistrationDetails).where(RegistrationDetails.registration_id == rid)
                                   .order_by(RegistrationDetails.valid_from, RegistrationDetails.id)).all()
        db.session.expunge_all()
        return found


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("　", "")


def _secretariat(app, make_user):
    return _client(app, make_user("secretariat"))


def _post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/account")})


# --- the lock ----------------------------------------------------------------------------------

CRAFTED = {"kind": "sole_proprietor", "corporate_number": "8330001000000", "name": "株式会社熊本県庁公認SDGs推進機構",
           "name_kana": "コウニンキコウ", "representative_title": "会長", "representative_name": "乗っ取り 太郎",
           "postal_code": "866-0862", "address": "熊本県八代市松江城町1-25", "industry": "G"}
CONTACT = {"contact_name": "担当 三郎", "contact_department": "広報課", "contact_phone": "096-111-2222",
           "contact_email": "new-contact@example.jp", "employees": "12", "capital": "", "website": ""}


def _profile_post(client, path: str, **fields):
    return client.post(path, data={**CONTACT, **fields, "csrf_token": csrf_token(client, path)})


def test_certified_details_are_read_only_on_the_profile_while_the_registration_is_live(app, registered):
    [registration] = registered()
    organisation_id, rid = registration["organisation"], registration["id"]
    owner = _client(app, registration["owner"])
    path = f"/organisations/{organisation_id}/edit"
    page = _page(owner.get(path + "?lang=en"))
    assert not structure_problems(page)
    for field in CRAFTED:
        assert f'name="{field}"' not in page, field  # shown as text, not as a field
    assert NAME in page and f'href="/registrations/{rid}/change"' in page and "change notice" in page
    for field in ("contact_name", "contact_phone", "contact_email", "employees", "website"):
        assert f'name="{field}"' in page, field

    before = _organisation(app, organisation_id)
    for field, value in CRAFTED.items():  # a crafted POST, one certified field at a time
        response = _profile_post(owner, path + "?lang=en", **{field: value})
        assert response.status_code == 200, field
        assert f'id="{field}-error"' in _page(response) and "change notice" in _page(response), field
        assert getattr(_organisation(app, organisation_id), field) == getattr(before, field), field
    assert _audit(app, "organisation.updated") == []

    # Contact details stay editable; the certified ones, left out, stay as they are.
    response = _profile_post(owner, path)
    assert response.status_code == 302
    after = _organisation(app, organisation_id)
    assert (after.contact_name, after.contact_phone, after.contact_email, after.employees) == (
        "担当 三郎", "096-111-2222", "new-contact@example.jp", 12)
    assert (after.name, after.address, after.kind) == (before.name, before.address, before.kind)
    # Sent unchanged (a browser without the lock's page), they are accepted too.
    same = {"kind": before.kind.value, "corporate_number": "", "name": before.name, "name_kana": before.name_kana,
            "representative_title": before.representative_title, "representative_name": before.representative_name,
            "postal_code": "860-0806", "address": before.address, "industry": before.industry}
    assert _profile_post(owner, path, **same, contact_name="担当 四郎").status_code == 302
    assert _organisation(app, organisation_id).contact_name == "担当 四郎"


def test_the_operation_refuses_a_certified_change_whatever_the_path(app, registered):
    from portal.organisations import operations

    [registration] = registered()
    with app.test_request_context():
        organisation = db.session.get(Organisation, registration["organisation"])
        for field in ("name", "corporate_number", "address", "industry"):
            with pytest.raises(operations.OrganisationError, match="certified_locked"):
                operations.update_organisation(organisation, {field: "X"}, organisation.owner)
        assert operations.update_organisation(organisation, {"contact_name": "担当 五郎"}, organisation.owner)
        db.session.rollback()


def test_the_renewal_profile_step_locks_the_same_fields(app, registered):
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from datetime import UTC, datetime

    [registration] = registered()
    rid, organisation_id = registration["id"], registration["organisation"]
    _update(app, rid, valid_until=TODAY + timedelta(days=90))  # within the renewal window
    with app.app_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(8, now - timedelta(days=5), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        db.session.commit()
        cohort_id = cohort.id
    owner = _client(app, registration["owner"])
    start = f"/applications/renew/{rid}"
    response = owner.post(start, data={"cohort_id": cohort_id, "csrf_token": csrf_token(owner, start)})
    assert response.status_code == 302
    application_id = int(response.headers["Location"].split("/applications/")[1].split("/")[0])
    path = f"/applications/{application_id}/steps/profile"
    page = _page(owner.get(path + "?lang=en"))
    assert not structure_problems(page)
    assert 'name="name"' not in page and f'href="/registrations/{rid}/change"' in page
    before = _organisation(app, organisation_id)
    for field, value in CRAFTED.items():
        response = owner.post(path, data={**CONTACT, field: value, "go": "stay", "csrf_token": csrf_token(owner, path)})
        assert response.status_code == 200 and f'id="{field}-error"' in _page(response), field
        assert getattr(_organisation(app, organisation_id), field) == getattr(before, field), field
    response = owner.post(path, data={**CONTACT, "go": "stay", "csrf_token": csrf_token(owner, path)})
    assert response.status_code == 302
    assert _organisation(app, organisation_id).contact_department == "広報課"


def test_once_the_registration_has_ended_everything_is_editable_again(app, registered):
    [registration] = registered()
    organisation_id = registration["organisation"]
    _update(app, registration["id"], state=RegistrationState.WITHDRAWN, ended_on=TODAY)
    owner = _client(app, registration["owner"])
    path = f"/organisations/{organisation_id}/edit"
    assert 'name="name"' in _page(owner.get(path))
    before = _organisation(app, organisation_id)
    fields = {"kind": "group", "corporate_number": "", "name": "新しい会", "name_kana": "アタラシイカイ",
              "representative_title": "会長", "representative_name": "新 代表", "postal_code": "866-0862",
              "address": "熊本県八代市松江城町1-25", "industry": "G"}
    assert _profile_post(owner, path, **fields).status_code == 302
    after = _organisation(app, organisation_id)
    assert (after.name, after.municipality_code, after.industry) == ("新しい会", "43202", "G")
    [entry] = _audit(app, "organisation.updated")  # the history is kept
    assert entry.changes["name"] == [before.name, "新しい会"]


# --- the round trip ------------------------------------------------------------------------------

def test_a_change_notice_changes_nothing_until_accepted_then_reissues_the_certificate(app, registered, make_user,
                                                                                      mails, own_upload_folder):
    [registration] = registered()
    rid, number, organisation_id = registration["id"], registration["number"], registration["organisation"]
    owner = _client(app, registration["owner"])
    show = f"/registrations/{rid}"
    assert f'href="/registrations/{rid}/change"' in _page(owner.get(show))
    form = _page(owner.get(f"/registrations/{rid}/change"))
    assert not structure_problems(form) and f'value="{NAME}"' in form and 'value="860-0806"' in form
    assert 'name="corporate_number"' not in form and 'name="kind"' not in form
    first_certificate = owner.get(f"{show}/certificate.pdf")

    response = _notice_form(owner, rid, name=NEW_NAME, name_kana="クマモトミズトミドリノカイ",
                            representative_name="熊本 次郎", postal_code="866-0862", address="熊本県八代市松江城町1-25",
                            note="登記簿謄本を添付します。", document=(io.BytesIO(PDF), "touki.pdf"))
    assert response.status_code == 302
    [notice] = _notices(app)
    assert (notice.state, notice.effective_on, notice.filed_by_id) == ("filed", EFFECTIVE, registration["owner"])
    assert notice.changes == {"name": [NAME, NEW_NAME],
                              "name_kana": ["カブシキガイシャテストクマモト", "クマモトミズトミドリノカイ"],
                              "representative_name": ["熊本 花子", "熊本 次郎"],
                              "postal_code": ["8600806", "8660862"],
                              "address": ["熊本県熊本市中央区花畑町1-1", "熊本県八代市松江城町1-25"],
                              "municipality_code": ["43101", "43202"]}
    assert notice.document_filename == "touki.pdf" and notice.document_content_type == "application/pdf"
    # Filing changes nothing.
    organisation = _organisation(app, organisation_id)
    assert (organisation.name, organisation.municipality_code) == (NAME, "43101")
    assert len(_versions(app, rid)) == 1 and _audit(app, "organisation.updated") == []
    assert NAME in _page(app.test_client().get(f"/verify/{number}"))
    [confirmation] = mails(_email(app, registration["owner"]))
    assert NEW_NAME in confirmation.body and f"http://portal.test{show}" in confirmation.body
    assert [e.object_id for e in _audit(app, "change_notice.filed")] == [notice.id]
    assert owner.get(f"{show}/notices/{notice.id}/document").data == PDF

    # The secretariat sees it in the list and on its own page, old and new side by side.
    secretariat = _secretariat(app, make_user)
    listed = _page(secretariat.get("/staff/registrations/notices"))
    assert f'href="/staff/registrations/notices/{notice.id}"' in listed
    page = _page(secretariat.get(f"/staff/registrations/notices/{notice.id}?lang=en"))
    assert not structure_problems(page)
    assert NAME in page and NEW_NAME in page and "touki.pdf" in page and 'data-field="municipality_code"' in page
    assert secretariat.get(f"{show}/notices/{notice.id}/document").data == PDF

    response = _post(secretariat, f"/staff/registrations/notices/{notice.id}/accept", message="受理しました。")
    assert response.status_code == 302
    accepted = _stored(app, ChangeNotice, notice.id)
    assert (accepted.state, accepted.response) == ("accepted", "受理しました。")
    organisation = _organisation(app, organisation_id)
    assert (organisation.name, organisation.representative_name, organisation.municipality_code,
            organisation.in_city) == (NEW_NAME, "熊本 次郎", "43202", False)
    earlier, current = _versions(app, rid)
    assert (earlier.name, earlier.valid_until) == (NAME, TODAY)
    assert (current.name, current.valid_from, current.valid_until, current.changed_on, current.change_notice_id) == (
        NEW_NAME, TODAY, None, EFFECTIVE, notice.id)
    assert (current.municipality_code, current.in_city) == ("43202", False)
    assert [e.object_id for e in _audit(app, "change_notice.accepted")] == [notice.id]
    [updated] = _audit(app, "organisation.updated")
    assert updated.changes["name"] == [NAME, NEW_NAME]
    [_, accepted_mail] = mails(_email(app, registration["owner"]))
    assert "受理しました。" in accepted_mail.body and f"http://portal.test{show}/certificate.pdf" in accepted_mail.body
    # Handled once.
    _post(secretariat, f"/staff/registrations/notices/{notice.id}/return", reason="やはり差し戻し")
    assert _stored(app, ChangeNotice, notice.id).state == "accepted" and len(mails()) == 2

    # The certificate is reissued: same number and registration date, the 再交付 line; the earlier file is gone.
    reissued = owner.get(f"{show}/certificate.pdf")
    assert reissued.status_code == 200 and reissued.headers["ETag"] != first_certificate.headers["ETag"]
    text = _pdf_text(reissued.data)
    assert f"{wareki(TODAY)}記載事項変更により再交付" in text
    assert NEW_NAME in text and NAME not in text and number in text and "熊本次郎" in text
    assert "記載事項変更により再交付" not in _pdf_text(first_certificate.data)
    assert [p.name for p in (own_upload_folder / "certificates").glob(f"{number}-*.pdf")] == [
        f"{number}-{reissued.headers['ETag'].strip(chr(34))}.pdf"]

    # The registrant and staff see the dated history; /verify names the earlier name and the date.
    page = _page(owner.get(f"{show}?lang=en"))
    assert not structure_problems(page) and page.count('id="version-') == 2 and "Reissued on" in page
    assert _page(secretariat.get(f"/staff/registrations/{rid}")).count('id="version-') == 2
    verify = _page(app.test_client().get(f"/verify/{number}?lang=en"))
    assert NEW_NAME in verify and f"Formerly {NAME}" in verify
    assert TODAY.strftime("%Y") in verify.split(f"Formerly {NAME}")[1][:80]
    verify_ja = _page(app.test_client().get(f"/verify/{number}?lang=ja"))
    assert wareki(TODAY) in verify_ja and "八代市" in verify_ja
    # The directory and the open data read the organisation, which changed.
    public = app.test_client()
    directory = _page(public.get(f"/registrants/{number}"))
    assert NEW_NAME in directory and NAME not in directory
    csv = _page(public.get("/opendata/registrants.csv"))
    assert NEW_NAME in csv and NAME not in csv and "43202" in csv
    assert NEW_NAME in _page(public.get("/opendata/registrants.json"))
    timeline = _page(secretariat.get(f"/staff/registrations/{rid}?lang=en"))
    assert "Change notice filed" in timeline and "Change notice accepted" in timeline


def test_the_secretariat_returns_a_notice_with_a_reason_and_nothing_changes(app, registered, make_user, mails):
    [registration] = registered(locales=["en"])
    rid = registration["id"]
    owner = _client(app, registration["owner"])
    assert _notice_form(owner, rid, representative_name="熊本 次郎").status_code == 302
    [notice] = _notices(app)
    secretariat = _secretariat(app, make_user)
    path = f"/staff/registrations/notices/{notice.id}/return"
    response = _post(secretariat, path + "?lang=en", reason="  ")
    assert response.status_code == 200 and 'id="reason-error"' in _page(response)
    assert _stored(app, ChangeNotice, notice.id).state == "filed"
    response = _post(secretariat, path, reason="代表者の変更を確認できる書類を添付してください。")
    assert response.status_code == 302
    returned = _stored(app, ChangeNotice, notice.id)
    assert (returned.state, returned.response) == ("returned", "代表者の変更を確認できる書類を添付してください。")
    assert _organisation(app, registration["organisation"]).representative_name == "熊本 花子"
    assert len(_versions(app, rid)) == 1
    [_, mail] = mails(_email(app, registration["owner"]))
    assert "代表者の変更を確認できる書類を添付してください。" in mail.body and "returned" in mail.subject
    assert [e.object_id for e in _audit(app, "change_notice.returned")] == [notice.id]
    assert "代表者の変更を確認できる書類を添付してください。" in _page(owner.get(f"/registrations/{rid}"))
    # A corrected notice may be filed now.
    assert _notice_form(owner, rid, representative_name="熊本 次郎",
                        document=(io.BytesIO(PDF), "a.pdf")).status_code == 302
    # Only the secretariat answers.
    reviewer = _client(app, make_user("reviewer"))
    assert _post(reviewer, f"/staff/registrations/notices/{notice.id + 1}/accept").status_code == 403
    assert reviewer.get(f"/staff/registrations/notices/{notice.id + 1}").status_code == 200


@pytest.mark.parametrize("fields, field, message", [
    ({}, None, "Nothing was changed"),
    ({"name": NEW_NAME, "effective_on": (TODAY + timedelta(days=1)).isoformat()}, "effective_on", "future"),
    ({"name": NEW_NAME, "effective_on": ""}, "effective_on", "Give the date"),
    ({"name": NEW_NAME, "effective_on": "2026-02-31"}, "effective_on", "Enter a date"),
    ({"address": "熊本県どこか1-1", "postal_code": "100-0001"}, "address", "cannot place"),
    ({"address": "東京都千代田区千代田1-1", "postal_code": "100-0001"}, "address", "cannot place"),
    ({"postal_code": "999-9999"}, "postal_code", "not found"),
    ({"name_kana": "abc"}, "name_kana", "katakana"),
    ({"name": ""}, "name", "required"),
])
def test_bad_input_is_said_on_its_field_and_nothing_is_stored(app, registered, mails, fields, field, message):
    [registration] = registered()
    owner = _client(app, registration["owner"])
    response = owner.post(f"/registrations/{registration['id']}/change?lang=en", data={
        "name": NAME, "name_kana": "カブシキガイシャテストクマモト", "representative_title": "代表取締役",
        "representative_name": "熊本 花子", "postal_code": "860-0806", "address": "熊本県熊本市中央区花畑町1-1",
        "industry": "E", "effective_on": EFFECTIVE.isoformat(), **fields,
        "csrf_token": csrf_token(owner, f"/registrations/{registration['id']}/change")})
    page = _page(response)
    assert response.status_code == 200 and not structure_problems(page)
    assert message.lower() in page.lower()
    if field:
        assert f'id="{field}-error"' in page
    assert _notices(app) == [] and mails() == []
    assert _organisation(app, registration["organisation"]).name == NAME


@pytest.mark.parametrize("content, name", [(b"just text", "a.pdf"), (b"", "empty.pdf"),
                                           (b"MZ\x90\x00 an executable", "touki.jpg")])
def test_a_bad_document_is_refused_and_nothing_is_stored(app, registered, own_upload_folder, content, name):
    [registration] = registered()
    owner = _client(app, registration["owner"])
    response = _notice_form(owner, registration["id"], name=NEW_NAME, document=(io.BytesIO(content), name))
    assert response.status_code == 200 and 'id="document-error"' in _page(response)
    assert _notices(app) == []
    assert not list((own_upload_folder / "change_notices").glob("*")) if (own_upload_folder / "change_notices").exists() else True


def test_a_second_notice_waits_for_the_first(app, registered):
    [registration] = registered()
    rid = registration["id"]
    owner = _client(app, registration["owner"])
    assert _notice_form(owner, rid, name=NEW_NAME).status_code == 302
    page = _page(owner.get(f"/registrations/{rid}/change?lang=en"))
    assert "waiting for the secretariat" in page and 'name="name"' not in page
    response = owner.post(f"/registrations/{rid}/change", data={
        "name": "三つ目の名前", "name_kana": "ミッツメ", "representative_title": "代表", "representative_name": "X",
        "postal_code": "860-0806", "address": "熊本県熊本市中央区花畑町1-1", "industry": "E",
        "effective_on": EFFECTIVE.isoformat(), "csrf_token": csrf_token(owner, "/account")})
    assert response.status_code == 200 and len(_notices(app)) == 1


def test_two_notices_filed_at_once_leave_one_waiting(app, registered, monkeypatch):
    """A double-click: both requests pass the check before either inserts; the database keeps one
    waiting notice and the second request gets the same answer as a later one."""
    from portal.accounts.models import User
    from portal.registrations import operations
    from portal.registrations.models import Registration

    [registration] = registered()
    monkeypatch.setattr(operations, "waiting_notice", lambda registration: None)  # both checks pass
    values = {"name": NEW_NAME, "name_kana": "クマモトミズトミドリノカイ", "representative_title": "代表取締役",
              "representative_name": "熊本 花子", "postal_code": "860-0806", "address": "熊本県熊本市中央区花畑町1-1",
              "industry": "E"}
    with app.test_request_context():
        stored = db.session.get(Registration, registration["id"])
        owner = db.session.get(User, registration["owner"])
        operations.file_change_notice(stored, owner, values, EFFECTIVE)
        with pytest.raises(operations.RegistrationError) as refused:
            operations.file_change_notice(stored, owner, {**values, "name": "三つ目の名前"}, EFFECTIVE)
        assert refused.value.code == "notice_waiting"
        db.session.commit()  # the first notice is kept: only the second insert was undone
    assert [notice.changes["name"][1] for notice in _notices(app)] == [NEW_NAME]


def _renewal_profile_path(app, owner, rid: int) -> str:
    """The profile step of a renewal application (a live registration locks it)."""
    from datetime import UTC, datetime

    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState

    _update(app, rid, valid_until=TODAY + timedelta(days=90))  # within the renewal window
    with app.app_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(8, now - timedelta(days=5), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        db.session.commit()
        cohort_id = cohort.id
    start = f"/applications/renew/{rid}"
    response = owner.post(start, data={"cohort_id": cohort_id, "csrf_token": csrf_token(owner, start)})
    assert response.status_code == 302
    application_id = int(response.headers["Location"].split("/applications/")[1].split("/")[0])
    return f"/applications/{application_id}/steps/profile"


def test_a_locked_value_the_form_would_rewrite_does_not_stop_a_contact_change(app, registered):
    """フリガナ stored in half-width kana (as an old import may have it): the form would write it
    full-width, but a locked field cannot change on the profile, so only the contact is saved —
    on the profile page and on a renewal's profile step alike."""
    from sqlalchemy import update

    [registration] = registered()
    rid, organisation_id = registration["id"], registration["organisation"]
    with app.app_context():
        db.session.execute(update(Organisation).where(Organisation.id == organisation_id).values(name_kana="ｸﾏﾓﾄ"))
        db.session.commit()
    owner = _client(app, registration["owner"])
    path = f"/organisations/{organisation_id}/edit"
    assert _profile_post(owner, path).status_code == 302
    after = _organisation(app, organisation_id)
    assert (after.contact_name, after.name_kana) == ("担当 三郎", "ｸﾏﾓﾄ")

    step = _renewal_profile_path(app, owner, rid)
    response = owner.post(step, data={**CONTACT, "contact_name": "担当 四郎", "go": "stay",
                                      "csrf_token": csrf_token(owner, step)})
    assert response.status_code == 302
    after = _organisation(app, organisation_id)
    assert (after.contact_name, after.name_kana) == ("担当 四郎", "ｸﾏﾓﾄ")


def test_a_refused_profile_save_is_said_on_the_form(app, registered, monkeypatch):
    """Should the operation still refuse (a registration decided meanwhile, say), both pages say
    so and keep what was typed, never a server error."""
    from portal.organisations import operations

    def refuse(*args, **kwargs):
        raise operations.OrganisationError("certified_locked")

    [registration] = registered()
    rid, organisation_id = registration["id"], registration["organisation"]
    owner = _client(app, registration["owner"])
    step = _renewal_profile_path(app, owner, rid)
    monkeypatch.setattr(operations, "update_organisation", refuse)
    for path, extra in ((f"/organisations/{organisation_id}/edit?lang=en", {}), (step + "?lang=en", {"go": "stay"})):
        response = owner.post(path, data={**CONTACT, "contact_name": "担当 六郎", **extra,
                                          "csrf_token": csrf_token(owner, path)})
        assert response.status_code == 200, path
        assert "change only by a change notice" in _page(response) and "担当 六郎" in _page(response), path
    assert _organisation(app, organisation_id).contact_name != "担当 六郎"


def test_accepting_a_notice_of_a_registration_without_versions_keeps_the_old_details_first(app, registered,
                                                                                             make_user):
    """A registration that has no version yet (made before versions were kept) gets its first
    from the organisation as it was, then the accepted change as the second."""
    from sqlalchemy import delete

    from portal.accounts.models import User
    from portal.registrations import operations
    from portal.registrations.models import Registration

    [registration] = registered()
    rid = registration["id"]
    with app.app_context():
        db.session.execute(delete(RegistrationDetails).where(RegistrationDetails.registration_id == rid))
        db.session.commit()
    secretariat_id = make_user("secretariat")
    values = {"name": NEW_NAME, "name_kana": "クマモトミズトミドリノカイ", "representative_title": "代表取締役",
              "representative_name": "熊本 花子", "postal_code": "8660862", "address": "熊本県八代市松江城町1-25",
              "industry": "E"}
    with app.test_request_context():
        stored = db.session.get(Registration, rid)
        notice = operations.file_change_notice(stored, db.session.get(User, registration["owner"]), values, EFFECTIVE)
        operations.accept_change_notice(notice, db.session.get(User, secretariat_id))
        db.session.commit()
    first, second = _versions(app, rid)
    assert (first.name, first.municipality_code, first.valid_until) == (NAME, "43101", TODAY)
    assert (second.name, second.municipality_code, second.in_city, second.valid_from) == (
        NEW_NAME, "43202", False, TODAY)
