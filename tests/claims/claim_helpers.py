"""Builders for claim tests (imported by the tests as `from claim_helpers import …`): the
registrants of an import file, what a claimant completes, a posted claim form, claim codes."""
from __future__ import annotations

from portal.core.extensions import db
from portal.core.japanese import corporate_number_check_digit
from support import csrf_token


def corporate_number(serial: int) -> str:
    base = f"{serial:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


CORPORATION = {"corporate_number": corporate_number(4242), "name": "株式会社肥後引継", "name_kana": "ヒゴヒキツギ",
               "kind": "corporation", "postal_code": "860-0806", "address": "熊本市中央区花畑町1-1",
               "industry": "E", "goals": "7;13"}
GROUP = {"corporate_number": "", "name": "くまもと川守の会", "name_kana": "クマモトカワモリノカイ", "kind": "group",
         "postal_code": "861-8001", "address": "熊本市北区武蔵ケ丘2-1-1", "industry": "R", "goals": "6"}
SOLE = {"corporate_number": "", "name": "阿蘇手しごと", "name_kana": "アソテシゴト", "kind": "sole_proprietor",
        "postal_code": "869-2612", "address": "阿蘇市一の宮町宮地1000", "industry": "E", "goals": "12"}

COMPLETED = {"representative_title": "代表取締役", "representative_name": "肥後 一", "contact_name": "引継 花子",
             "contact_department": "総務部", "contact_phone": "096-111-2222", "contact_email": "soumu@example.jp"}


def post_form(client, path: str, data: dict, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data}, **kwargs)


def request_data(**fields) -> dict:
    return {"number": "KS01-0001", "corporate_number": CORPORATION["corporate_number"], "name": "",
            "postal_code": "", "note": "総務部の引継です。", **COMPLETED, **fields}


def code_data(code: str, **fields) -> dict:
    return {"number": "KS01-0001", "code": code, **COMPLETED, **fields}


def issue(app, registration_ids, actor_id=None) -> dict[int, str]:
    """Claim codes for registrations, as printing the letters makes them."""
    from portal.accounts.models import User
    from portal.claims import operations
    from portal.registrations.models import Registration

    with app.test_request_context():
        registrations = [db.session.get(Registration, i) for i in registration_ids]
        actor = db.session.get(User, actor_id) if actor_id else None
        codes = operations.issue_codes(registrations, actor or _system(app))
        db.session.commit()
        return codes


def _system(app):
    from portal.accounts.models import User
    from portal.core.roles import Role

    user = db.session.scalar(db.select(User).where(User.email == "letters@example.jp"))
    if user is None:
        user = User(email="letters@example.jp", name="事務局", role=Role.SECRETARIAT, locale="ja")
        db.session.add(user)
        db.session.flush()
    return user
