"""The organisation profile: entering it, validation, where the organisation is."""
import pytest
from sqlalchemy import select

from support import ORGANISATION, csrf_token, login
from portal.core.extensions import db
from portal.organisations.models import Membership, Organisation

FORM = {k: str(v) for k, v in ORGANISATION.items()}


def post_profile(client, path="/organisations/new", **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


def organisations(app):
    with app.app_context():
        rows = db.session.scalars(select(Organisation)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def newcomer(client, make_user):
    user_id = make_user(email="owner@example.jp")
    login(client, user_id)
    return user_id


def test_an_applicant_enters_the_profile_and_becomes_its_owner(app, client, newcomer):
    assert client.get("/organisation").headers["Location"] == "/organisations/new"
    response = post_profile(client, corporate_number="８３３０-００１０-０００００", name_kana="かぶしきがいしゃてすと")
    assert response.status_code == 302
    [organisation] = organisations(app)
    assert organisation.corporate_number == "8330001000000"  # full width and hyphens normalised
    assert organisation.name_kana == "カブシキガイシャテスト"  # hiragana becomes katakana
    assert (organisation.municipality_code, organisation.in_city, organisation.location_mismatch) == ("43101", True, False)
    with app.app_context():
        membership = db.session.scalar(select(Membership))
        assert (membership.user_id, membership.is_owner) == (newcomer, True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "株式会社テスト熊本" in page and "860-0806" in page


def test_the_address_is_found_from_the_postal_code_without_javascript(client, newcomer):
    token = csrf_token(client, "/organisations/new")
    response = client.post("/organisations/new", data={"postal_code": "〒８６２－８５７０", "address": "", "lookup": "1",
                                                       "csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="862-8570"' in text
    assert "郵便番号から住所を入力しました" in text and "autofocus" in text
    assert "熊本県熊本市中央区水前寺" in text


def test_postal_code_lookup_json(client):
    body = client.get("/postal-codes/860-0806").get_json()
    assert body["address"] == "熊本県熊本市中央区花畑町" and body["municipality_code"] == "43101"
    assert client.get("/postal-codes/0000000").status_code == 404
    assert client.get("/postal-codes/abc").status_code == 400


BAD = [
    ({"corporate_number": "7330001000000"}, "チェックデジット"),
    ({"corporate_number": "833000100000"}, "13桁"),
    ({"corporate_number": "83300010000AB"}, "法人番号"),
    ({"postal_code": "0000000"}, "郵便番号が見つかりません"),
    ({"postal_code": "12345"}, "7桁"),
    ({"postal_code": "8120011", "address": "福岡県福岡市博多区博多駅前1-1"}, "熊本県内"),
    ({"name_kana": "熊本商事"}, "カタカナ"),
    ({"name": "株" * 201}, "200"),
    ({"contact_phone": "12345"}, "電話番号"),
    ({"website": "javascript:alert(1)"}, "https://"),
    ({"employees": "-3"}, "0"),
    ({"kind": "sole_proprietor"}, "個人事業主"),
    ({"kind": "corporation", "corporate_number": ""}, "法人番号"),
    ({"address": "熊本市\x00中央区"}, "使用できない文字"),
]


@pytest.mark.parametrize("changes,message", BAD, ids=[next(iter(c)) + str(i) for i, (c, m) in enumerate(BAD)])
def test_bad_input_is_explained_and_nothing_is_stored(app, client, newcomer, changes, message):
    response = post_profile(client, **changes)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text
    assert 'class="error-summary"' in text and 'aria-invalid="true"' in text
    assert organisations(app) == []


def test_script_in_every_text_field_is_shown_escaped(app, client, newcomer):
    script = "<script>alert('x')</script>"
    text_fields = ("name", "representative_title", "representative_name", "contact_name", "contact_department")
    response = post_profile(client, address="熊本市中央区花畑町" + script, **{f: script for f in text_fields})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in page
    assert page.count("&lt;script&gt;") >= len(text_fields) + 1
    assert organisations(app)[0].representative_title == script  # stored as typed, escaped when shown


def test_a_sole_proprietor_needs_no_corporate_number(app, client, newcomer):
    assert post_profile(client, kind="sole_proprietor", corporate_number="").status_code == 302
    assert organisations(app)[0].corporate_number is None


def test_former_town_names_and_mismatches_are_located(app, client, newcomer):
    # 植木町 became part of 北区; the postal code 860-0806 is in 中央区: staff are told.
    post_profile(client, address="鹿本郡植木町岩野1-1", postal_code="8600806")
    [organisation] = organisations(app)
    assert (organisation.municipality_code, organisation.in_city, organisation.location_mismatch) == ("43105", True, True)


def test_an_organisation_outside_the_city(app, client, newcomer):
    post_profile(client, address="菊池郡菊陽町津久礼1-1", postal_code="8691102")
    [organisation] = organisations(app)
    assert (organisation.municipality_code, organisation.in_city) == ("43404", False)


def test_editing_rederives_the_location_and_is_audited(app, client, newcomer, make_organisation):
    from portal.core.audit import AuditEntry

    organisation_id = make_organisation(newcomer)
    response = post_profile(client, f"/organisations/{organisation_id}/edit", address="熊本県合志市竹迫2140",
                            postal_code="8611195")
    assert response.status_code == 302
    [organisation] = organisations(app)
    assert (organisation.municipality_code, organisation.in_city) == ("43216", False)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.updated")).one()
        assert entry.actor_id == newcomer
        assert entry.changes["municipality_code"] == ["43101", "43216"]


def test_another_organisation_is_not_found(client, make_user, make_organisation):
    owner_a = make_user()
    organisation_a = make_organisation(owner_a)
    owner_b = make_user()
    make_organisation(owner_b, corporate_number=None, kind="group", name="B団体")
    login(client, owner_b)
    assert client.get(f"/organisations/{organisation_a}").status_code == 404
    assert client.get(f"/organisations/{organisation_a}/edit").status_code == 404
    assert client.get("/organisations/99999").status_code == 404


def test_staff_see_where_it_is(client, make_user, make_organisation):
    owner = make_user()
    make_organisation(owner, address="鹿本郡植木町岩野1-1")
    login(client, make_user("reviewer"))
    page = client.get("/staff/organisations/?where=mismatch").get_data(as_text=True)
    assert "株式会社テスト熊本" in page and "熊本市北区" in page
    assert "株式会社テスト熊本" not in client.get("/staff/organisations/?where=outside").get_data(as_text=True)


def test_an_expired_session_keeps_what_was_typed(app, client, newcomer, make_organisation):
    organisation_id = make_organisation(newcomer)
    path = f"/organisations/{organisation_id}/edit"
    token = csrf_token(client, path)
    with client.session_transaction() as session:
        session.pop("_user_id")  # the session ended while the form was open
    response = client.post(path, data={**FORM, "name": "変更後の名称", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    login(client, newcomer)
    page = client.get(path).get_data(as_text=True)
    assert 'value="変更後の名称"' in page
    assert organisations(app)[0].name == "株式会社テスト熊本"  # nothing saved until the user saves
