"""The city's decisions: approve (gapless permit numbers per year), return, reject,
revoke; stale pages and two people at once; who may decide."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pages import structure_problems
from support import csrf_token, login

from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.logos import operations
from portal.logos.models import LogoPermit

from logo_builders import TODAY


def staff_form(client, permit_id: int, name: str, **fields) -> dict:
    path = f"/staff/logos/{permit_id}"
    page = client.get(path).get_data(as_text=True)
    import re

    version = re.search(rf'id="{name}-version" name="{name}-version" type="hidden" value="(\d+)"', page)
    assert version, page
    data = {f"{name}-csrf_token": csrf_token(client, path), f"{name}-version": version.group(1)}
    data.update({f"{name}-{key}": value for key, value in fields.items()})
    return data


def approve(client, permit_id: int, **fields):
    permit_fields = {"valid_from": TODAY.isoformat(), "valid_until": (TODAY + timedelta(days=365)).isoformat(),
                     "permitted": ["color-horizontal"], "conditions": "", **fields}
    return client.post(f"/staff/logos/{permit_id}/approve", data=staff_form(client, permit_id, "approve", **permit_fields))


def test_approval_issues_the_next_number_of_the_year_and_mails_the_holder(app, client, holder, city,
                                                                         make_permit, load, mails):
    first, second = make_permit(holder), make_permit(holder)
    login(client, city)
    page = client.get(f"/staff/logos/{first}")
    assert page.status_code == 200 and structure_problems(page.get_data(as_text=True)) == []
    response = approve(client, first, conditions="名刺の印刷見本を送ってください。")
    assert response.status_code == 302
    permit = load(first)
    assert permit.state == "approved" and permit.number == f"KFS-{TODAY.year}-0001"
    assert permit.permitted_variants == ["color-horizontal"] and permit.conditions == "名刺の印刷見本を送ってください。"
    assert approve(client, second).status_code == 302
    assert load(second).number == f"KFS-{TODAY.year}-0002"
    [mail] = [m for m in mails(to="holder@example.jp") if permit.number in m.subject]
    assert f"/logos/{first}" in mail.body and "permit.pdf" in mail.body
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "logo.approved",
                                                           AuditEntry.object_id == first))
        assert entry.changes["number"] == permit.number


def test_numbers_are_gapless_within_a_year_and_start_again_the_next(app, holder, city, make_permit, load):
    from portal.accounts.models import User

    ids = [make_permit(holder) for _ in range(4)]
    with app.test_request_context():
        actor = db.session.get(User, city)
        permits = [db.session.get(LogoPermit, i) for i in ids]
        operations.reject_request(permits[0], actor, "対象外です。")  # a refusal takes no number
        numbers = [operations.approve_permit(p, actor, date(2027, 12, 1), date(2028, 11, 30), ["color-mark"],
                                             today=date(2027, 11, 30)) for p in permits[1:3]]
        numbers.append(operations.approve_permit(permits[3], actor, date(2028, 1, 5), date(2028, 12, 31),
                                                 ["color-mark"], today=date(2028, 1, 4)))
        db.session.commit()
    assert numbers == ["KFS-2027-0001", "KFS-2027-0002", "KFS-2028-0001"]


def test_a_failed_approval_loses_no_number(app, holder, city, make_permit, monkeypatch):
    from portal.accounts.models import User

    first, second = make_permit(holder), make_permit(holder)
    with app.test_request_context():
        actor = db.session.get(User, city)

        def broken(*args, **kwargs):
            raise RuntimeError("mail template broken")

        monkeypatch.setattr(operations, "_mail_holders", broken)
        with pytest.raises(RuntimeError):
            operations.approve_permit(db.session.get(LogoPermit, first), actor, TODAY, TODAY + timedelta(days=30),
                                      ["color-mark"])
        db.session.rollback()
        monkeypatch.undo()
        number = operations.approve_permit(db.session.get(LogoPermit, second), actor, TODAY,
                                           TODAY + timedelta(days=30), ["color-mark"])
        db.session.commit()
    assert number == f"KFS-{TODAY.year}-0001"


@pytest.mark.parametrize("fields, words", [
    ({"valid_until": (TODAY + timedelta(days=3 * 366 + 1)).isoformat()}, "three years"),
    ({"valid_until": (TODAY - timedelta(days=1)).isoformat()}, "before its first day"),
    ({"permitted": []}, "at least one design variant"),
    ({"permitted": ["silver"]}, "valid choice"),
    ({"valid_from": "いつか"}, "2026-04-01"),
])
def test_bad_approvals_are_refused_with_a_message(client, holder, city, make_permit, load, fields, words):
    permit_id = make_permit(holder)
    login(client, city)
    response = approve(client, permit_id, **fields)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert load(permit_id).state == "submitted"


def test_return_and_resubmit_then_reject(app, client, holder, city, make_permit, load, mails):
    permit_id = make_permit(holder)
    login(client, city)
    empty = client.post(f"/staff/logos/{permit_id}/return", data=staff_form(client, permit_id, "return", message=""))
    assert empty.status_code == 400 and "Say what the holder should correct" in empty.get_data(as_text=True)
    response = client.post(f"/staff/logos/{permit_id}/return",
                           data=staff_form(client, permit_id, "return", message="活動内容を具体的に書いてください。"))
    assert response.status_code == 302
    assert load(permit_id).state == "returned"
    assert any("活動内容を具体的に" in m.body for m in mails(to="holder@example.jp"))

    with app.test_request_context():
        from portal.accounts.models import User

        user = db.session.get(User, holder)
        permit = db.session.get(LogoPermit, permit_id)
        operations.save_request(permit, {"activity": "名刺の裏面で、店舗での量り売りの取組を紹介する。"}, user)
        operations.submit_request(permit, user)
        db.session.commit()
    assert load(permit_id).state == "submitted"

    response = client.post(f"/staff/logos/{permit_id}/reject",
                           data=staff_form(client, permit_id, "reject", reason="販売する商品への使用のため。"))
    assert response.status_code == 302
    permit = load(permit_id)
    assert permit.state == "rejected" and permit.number is None
    assert any("販売する商品への使用のため" in m.body for m in mails(to="holder@example.jp"))


def test_a_decision_on_a_page_loaded_before_a_change_is_refused(app, client, holder, city, make_user,
                                                               make_permit, load):
    permit_id = make_permit(holder)
    other = app.test_client()
    login(client, city)
    login(other, make_user("city", email="other@example.jp"))
    stale = staff_form(client, permit_id, "approve", valid_from=TODAY.isoformat(),
                       valid_until=(TODAY + timedelta(days=100)).isoformat(), permitted=["color-mark"])
    assert other.post(f"/staff/logos/{permit_id}/return",
                      data=staff_form(other, permit_id, "return", message="確認してください。")).status_code == 302
    refused = client.post(f"/staff/logos/{permit_id}/approve", data=stale, follow_redirects=True)
    assert refused.status_code == 200
    assert "decided or returned meanwhile" in refused.get_data(as_text=True)
    assert load(permit_id).state == "returned" and load(permit_id).number is None


def test_revoking_stops_the_downloads_at_once_and_mails_the_holder(app, client, holder, city, make_permit,
                                                                  load, mails):
    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    holder_client = app.test_client()
    login(holder_client, holder)
    file_url = f"/logos/{permit_id}/files/color-horizontal.svg"
    assert holder_client.get(file_url).status_code == 200
    login(client, city)
    unconfirmed = client.post(f"/staff/logos/{permit_id}/revoke",
                              data=staff_form(client, permit_id, "revoke", reason="形を変えて使用したため。"))
    assert unconfirmed.status_code == 400 and load(permit_id).state == "approved"
    response = client.post(f"/staff/logos/{permit_id}/revoke",
                           data=staff_form(client, permit_id, "revoke", reason="形を変えて使用したため。", confirm="y"))
    assert response.status_code == 302
    permit = load(permit_id)
    assert permit.state == "revoked" and permit.ended_on == TODAY
    refused = holder_client.get(file_url)
    assert refused.status_code == 404
    assert "not" in refused.get_data(as_text=True)
    [mail] = [m for m in mails(to="holder@example.jp") if "revoked" in m.subject]
    assert "形を変えて使用したため。" in mail.body and "stop using" in mail.body


@pytest.mark.parametrize("role", ["reviewer", "secretariat"])
def test_the_prefectures_staff_read_permits_but_only_the_city_decides(app, client, holder, make_user, make_permit,
                                                                      load, role):
    """The logo is Kumamoto City's: the prefecture's staff open the lists, a request, its permit
    and the export, see no decision form, and every decision they post is refused."""
    waiting, live = make_permit(holder), make_permit(holder, state="approved")
    login(client, make_user(role, email="kenchou@example.jp"))
    listing = client.get("/staff/logos/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f"/staff/logos/{waiting}" in html and 'id="approve-selected"' not in html and 'id="read-only"' in html
    for permit_id in (waiting, live):
        page = client.get(f"/staff/logos/{permit_id}").get_data(as_text=True)
        assert 'id="read-only"' in page
        assert not any(f'action="/staff/logos/{permit_id}/{act}"' in page
                       for act in ("approve", "return", "reject", "revoke")), permit_id
    assert client.get(f"/logos/{live}/permit.pdf").status_code == 200
    assert client.get("/staff/logos/export.csv?list=all").status_code == 200

    token = csrf_token(client, "/account")
    for act, permit_id in (("approve", waiting), ("return", waiting), ("reject", waiting), ("revoke", live)):
        response = client.post(f"/staff/logos/{permit_id}/{act}", data={f"{act}-csrf_token": token})
        assert response.status_code == 403, act
    assert client.post("/staff/logos/approve-selected",
                       data={"csrf_token": token, "permit": [str(waiting)]}).status_code == 403
    assert (load(waiting).state, load(live).state) == ("submitted", "approved")
    login(client, holder)
    assert client.get(f"/staff/logos/{waiting}").status_code == 403


def test_the_city_sees_the_decision_forms(client, holder, city, make_permit):
    waiting, live = make_permit(holder), make_permit(holder, state="approved")
    login(client, city)
    assert 'id="approve-selected"' in client.get("/staff/logos/").get_data(as_text=True)
    page = client.get(f"/staff/logos/{waiting}").get_data(as_text=True)
    assert all(f'action="/staff/logos/{waiting}/{act}"' in page for act in ("approve", "return", "reject"))
    assert 'id="read-only"' not in page
    assert f'action="/staff/logos/{live}/revoke"' in client.get(f"/staff/logos/{live}").get_data(as_text=True)


def test_staff_do_not_see_drafts(client, holder, city, make_permit):
    draft = make_permit(holder, state="draft")
    login(client, city)
    assert client.get(f"/staff/logos/{draft}").status_code == 404
    assert client.get(f"/logos/{draft}").status_code == 404
    assert f"/staff/logos/{draft}" not in client.get("/staff/logos/?list=all").get_data(as_text=True)


@pytest.mark.postgres
def test_two_approvals_at_once_get_distinct_gapless_numbers(app, holder, make_user, make_permit):
    """On PostgreSQL: two city staff approve two requests in the same instant; the
    counter row's lock orders them: 0001 and 0002, never twice the same, never a gap."""
    from portal.accounts.models import User
    from support import require_or_skip

    require_or_skip(app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"), "needs PostgreSQL")
    deciders = [make_user("city", email=f"s{i}@example.jp") for i in range(2)]
    for round_ in range(3):
        ids = [make_permit(holder), make_permit(holder)]
        barrier = threading.Barrier(2, timeout=30)
        results, failures = [None, None], []

        def run(index):
            try:
                with app.test_request_context():
                    actor = db.session.get(User, deciders[index])
                    permit = db.session.get(LogoPermit, ids[index])
                    barrier.wait()
                    results[index] = operations.approve_permit(permit, actor, TODAY, TODAY + timedelta(days=90),
                                                               ["color-mark"])
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures
        expected = {f"KFS-{TODAY.year}-{n:04d}" for n in (2 * round_ + 1, 2 * round_ + 2)}
        assert set(results) == expected


def test_ticked_requests_are_approved_as_asked_and_a_changed_one_is_named(app, client, holder, city,
                                                                         make_permit, load, mails):
    from portal.accounts.models import User

    ids = [make_permit(holder) for _ in range(3)]
    login(client, city)
    page = client.get("/staff/logos/").get_data(as_text=True)
    assert structure_problems(page) == []
    import re

    versions = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', page))
    with app.test_request_context():  # meanwhile a colleague returns the second one
        operations.return_request(db.session.get(LogoPermit, ids[1]), db.session.get(User, city), "確認")
        db.session.commit()
    data = {"csrf_token": csrf_token(client, "/staff/logos/"), "permit": [str(i) for i in ids],
            **{f"version-{i}": versions[str(i)] for i in ids}}
    response = client.post("/staff/logos/approve-selected", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Request no. {ids[1]} was not approved" in html
    first, third = load(ids[0]), load(ids[2])
    assert (first.number, third.number) == (f"KFS-{TODAY.year}-0001", f"KFS-{TODAY.year}-0002")
    assert first.valid_from == first.starts_on and first.permitted_variants == first.variants
    assert load(ids[1]).state == "returned"
    assert len([m for m in mails(to="holder@example.jp") if "KFS-" in m.subject]) == 2
    nothing = client.post("/staff/logos/approve-selected", data={"csrf_token": csrf_token(client, "/staff/logos/")},
                          follow_redirects=True)
    assert "Tick the requests to approve first" in nothing.get_data(as_text=True)
