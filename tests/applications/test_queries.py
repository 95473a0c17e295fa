"""The pages of an application cost the same number of SQL queries however much it holds:
3 key actions and no files, or 30 key actions and 5 files (no query per row)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from support import counted, csrf_token, login, warm_user

from portal.applications.models import Application, Attachment
from portal.core.extensions import db

STEPS = ("profile", "vision", "actions", "checklist", "declarations", "partners", "attachments", "confirm")
PDF = b"%PDF-1.4\n%%EOF\n"
PROFILE = {"kind": "group", "name": "熊本SDGs協議会", "name_kana": "クマモトエスディージーズキョウギカイ",
           "representative_title": "会長", "representative_name": "熊本 一郎", "postal_code": "8600806",
           "address": "熊本県熊本市中央区花畑町1-1", "industry": "E", "employees": "10", "capital": "",
           "website": "https://example.jp", "contact_name": "担当 次郎", "contact_department": "総務課",
           "contact_phone": "096-000-0000", "contact_email": "contact@example.jp"}


@pytest.fixture
def sized(app, make_user, make_organisation, make_cohort, make_application, complete_content):
    """Two drafts in the same cohort, each of its own organisation and signed-in client:
    'small' with 3 key actions and no files, 'large' with 30 key actions and 5 files."""
    cohort_id = make_cohort()
    drafts = {}
    for size, per_area, files in (("small", 1, 0), ("large", 10, 5)):
        user_id = make_user(email=f"{size}@example.jp")
        make_organisation(user_id, kind="group", corporate_number=None, name=PROFILE["name"],
                          name_kana=PROFILE["name_kana"])
        client = app.test_client()
        login(client, user_id)
        application_id = make_application(user_id, cohort_id, complete_content(per_area))
        for n in range(files):
            path = f"/applications/{application_id}/steps/attachments"
            response = client.post(f"/applications/{application_id}/attachments", content_type="multipart/form-data",
                                   data={"csrf_token": csrf_token(client, path),
                                         "file": (io.BytesIO(PDF + bytes([n])), f"file{n}.pdf", "application/pdf")})
            assert response.status_code == 302
        drafts[size] = (client, application_id)
    with app.app_context():
        assert [len(db.session.get(Application, drafts[s][1]).content["actions"]) for s in drafts] == [3, 30]
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 5
    return drafts


def _post_data(app, application_id, step) -> dict:
    """A changed answer for `step` (so each POST really saves), shaped like the draft's."""
    from portal.applications.content import DECLARATIONS

    with app.app_context():
        content = db.session.get(Application, application_id).content
    if step == "profile":
        return {**PROFILE, "representative_name": "熊本 二郎"}
    if step == "vision":
        return {"vision": "書き直したビジョン"}
    if step == "actions":
        data = {}
        for index, action in enumerate(content["actions"]):
            data.update({f"actions-{index}-area": action["area"], f"actions-{index}-description": f"改訂 {index}",
                         f"actions-{index}-goals": [str(g) for g in action["goals"]],
                         f"actions-{index}-targets": action["targets"],
                         f"actions-{index}-indicator": action["indicator"], f"actions-{index}-unit": action["unit"],
                         f"actions-{index}-current_value": action["current_value"],
                         f"actions-{index}-target_value": "4"})
        return data
    if step == "checklist":
        data = {f"basic_B{n:02d}": "y" for n in range(1, 26)}
        data.update({f"challenge_C{n:02d}": "y" for n in range(6, 11)})
        return data
    if step == "declarations":
        return {key: "y" for key in list(DECLARATIONS)[1:]}
    if step == "partners":
        return {"consent": "y"}
    return {}


def _count(app, client, method, path, data=None):
    if method == "GET":
        warm_user(client)
        with counted(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
    else:
        data = {**data, "go": "stay", "csrf_token": csrf_token(client, path)}
        with counted(app) as statements:
            response = client.post(path, data=data)
        assert response.status_code in (200, 302), (path, response.status_code)
        if data.keys() - {"go", "csrf_token"}:
            assert response.status_code == 302, path  # the answer was saved
    return statements


@pytest.mark.parametrize("step", STEPS)
def test_a_step_costs_the_same_queries_for_a_large_application(app, sized, step):
    counts = {}
    for method in ("GET", "POST"):
        for size, (client, application_id) in sized.items():
            path = f"/applications/{application_id}/steps/{step}"
            counts[method, size] = _count(app, client, method, path, _post_data(app, application_id, step))
        small, large = counts[method, "small"], counts[method, "large"]
        assert len(small) == len(large), (method, step, "\n".join(large))
    with app.app_context():  # the POSTs did save
        drafts = [db.session.get(Application, application_id) for _, application_id in sized.values()]
        if step == "vision":
            assert all(d.content["vision"] == "書き直したビジョン" for d in drafts)
        if step == "actions":
            assert [len(d.content["actions"]) for d in drafts] == [3, 30]
            assert all(a["description"].startswith("改訂") for d in drafts for a in d.content["actions"])


def test_the_status_page_costs_the_same_queries_for_a_large_application(app, sized):
    counts = [_count(app, client, "GET", f"/applications/{application_id}") for client, application_id in sized.values()]
    assert len(counts[0]) == len(counts[1]), "\n".join(counts[1])
