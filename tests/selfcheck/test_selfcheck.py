"""The anonymous self-check: pages, live rule, result, PDF, a tampered session, carry-over."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import re
import shutil
import subprocess

import pytest

from pages import structure_problems
from support import csrf_token, login, require_or_skip

from portal.applications.checklist import latest_version, load_checklist

# The self-check always offers the newest version (the one new cohorts answer).
CHECKLIST = load_checklist(latest_version())
VERSION = CHECKLIST.version
BASIC = [item.id for item in CHECKLIST.basic]
CHALLENGE = [item.id for item in CHECKLIST.challenge]


def answer_every_page(client, basic=BASIC, challenge=CHALLENGE[:5]):
    """Go through the pages as a visitor does, ticking the given ids where they appear."""
    number = 1
    while True:
        page = client.get(f"/self-check/{number}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        data = {"csrf_token": csrf_token(client, f"/self-check/{number}"), "go": "next"}
        for item_id in basic:
            if f'id="basic_{item_id}"' in html:
                data[f"basic_{item_id}"] = "y"
        for item_id in challenge:
            if f'id="challenge_{item_id}"' in html:
                data[f"challenge_{item_id}"] = "y"
        response = client.post(f"/self-check/{number}", data=data)
        assert response.status_code == 302
        if response.headers["Location"].endswith("/self-check/result"):
            return
        number += 1


def test_every_page_has_one_heading_and_labelled_boxes(client):
    for path in ("/self-check", "/self-check/1", "/self-check/2", "/self-check/3", "/self-check/4",
                 "/self-check/result"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not structure_problems(response.get_data(as_text=True)), path
    assert client.get("/self-check/5").status_code == 404
    assert client.get("/self-check/0").status_code == 404


def test_each_item_shows_its_explanation_and_example(client):
    html = client.get("/self-check/1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    first = CHECKLIST.item("B01")
    assert first.text_en in html and first.explanation_en in html and first.example_en in html
    assert "js/selfcheck.js" in html


def test_the_counts_follow_the_answers_and_the_result_names_what_is_missing(client):
    answer_every_page(client, basic=BASIC[:-2], challenge=CHALLENGE[:3])
    with client.session_transaction() as session:
        assert session["selfcheck"] == {"version": VERSION, "basic": BASIC[:-2], "challenge": CHALLENGE[:3]}
    html = client.get("/self-check/result", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "would not yet meet" in html
    assert f'data-count="basic">{len(BASIC) - 2}<' in html
    for item_id in BASIC[-2:]:
        assert CHECKLIST.item(item_id).text_en in html
    assert CHECKLIST.item(BASIC[0]).text_en not in html
    assert "Choose 2 more challenge items." in html


def test_all_basic_and_five_challenge_items_meet_the_rule_and_print(client, tmp_path):
    answer_every_page(client)
    html = client.get("/self-check/result", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "would meet the checklist requirements" in html
    pdf = client.get("/self-check/result.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    require_or_skip(bool(shutil.which("pdftotext")), "poppler-utils is not installed")
    (tmp_path / "r.pdf").write_bytes(pdf.data)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"IPAexGothic\s.*\byes\b", fonts)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert CHECKLIST.item(CHALLENGE[0]).text_ja[:10] in text


def test_back_keeps_the_page_and_unticking_removes(client):
    token = csrf_token(client, "/self-check/1")
    client.post("/self-check/1", data={"csrf_token": token, "go": "next", "basic_B01": "y", "basic_B02": "y"})
    response = client.post("/self-check/1", data={"csrf_token": token, "go": "back", "basic_B02": "y"})
    assert response.headers["Location"].endswith("/self-check")
    with client.session_transaction() as session:
        assert session["selfcheck"]["basic"] == ["B02"]


@pytest.mark.parametrize("stored", [
    {"version": VERSION, "basic": ["B01", "B99", "../etc"], "challenge": ["C01"]},  # unknown ids
    {"version": VERSION, "basic": ["B01", "C02"], "challenge": ["C01", "B03"]},  # ids of the other kind
    {"version": VERSION, "basic": ["B01", 7, None, ["B02"]], "challenge": ["C01"]},  # wrong types
    {"version": VERSION, "basic": ["B01"], "challenge": ["C01"], "kind": "government"},  # no such kind
    # 該当なし on an item that never allows it, on an unknown item, with a reason not a string
    {"version": VERSION, "basic": ["B01"], "challenge": ["C01"], "not_applicable": {"B02": "x", "B99": "x", "B06": 3}},
    {"version": VERSION, "basic": ["B01"], "challenge": ["C01"], "not_applicable": ["B06"]},
])
def test_a_tampered_session_is_cleaned_with_a_message(client, stored):
    with client.session_transaction() as session:
        session["selfcheck"] = stored
    response = client.get("/self-check/result", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "could not be read and were removed" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["selfcheck"] == {"version": VERSION, "basic": ["B01"], "challenge": ["C01"]}


@pytest.mark.parametrize("stored", [
    {"version": "99", "basic": ["B01"], "challenge": []},
    {"version": 1, "basic": ["B01"], "challenge": []},
    {"version": VERSION, "basic": "B01", "challenge": {"C01": True}},
    ["B01", "C01"],
    "B01",
])
def test_a_session_of_another_version_or_shape_never_fails(client, stored):
    with client.session_transaction() as session:
        session["selfcheck"] = stored
    for path in ("/self-check", "/self-check/1", "/self-check/result", "/self-check/result.pdf"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
    with client.session_transaction() as session:
        kept = session.get("selfcheck")
        assert kept is None or (kept["version"] == VERSION and kept["basic"] == [] and kept["challenge"] == [])


def test_the_message_says_why_answers_were_cleared(client):
    with client.session_transaction() as session:
        session["selfcheck"] = {"version": "99", "basic": ["B01"], "challenge": []}
    html = client.get("/self-check/1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "another version of the checklist" in html


def test_a_post_without_csrf_is_refused_and_changes_nothing(client):
    response = client.post("/self-check/1", data={"go": "next", "basic_B01": "y"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "could not be sent" in response.get_data(as_text=True)
    assert client.post("/self-check/clear").status_code == 400
    with client.session_transaction() as session:
        assert "selfcheck" not in session


def test_clear_starts_over(client):
    answer_every_page(client)
    client.post("/self-check/clear", data={"csrf_token": csrf_token(client, "/self-check")})
    with client.session_transaction() as session:
        assert "selfcheck" not in session


@pytest.fixture
def open_cohort(app):
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db

    now = datetime.now(timezone.utc)
    with app.app_context():
        cohort = cohorts.plan_cohort(7, now - timedelta(days=1), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        db.session.commit()
        return cohort.id


def _start(client, cohort_id):
    return client.post("/applications/new", data={"cohort_id": cohort_id,
                                                  "csrf_token": csrf_token(client, "/applications/new")},
                       headers={"Accept-Language": "en"})


def test_answers_carry_into_a_new_application_and_leave_the_session(app, client, make_user, make_organisation,
                                                                   open_cohort):
    user = make_user(locale="en")
    make_organisation(user)
    answer_every_page(client, basic=BASIC[:3], challenge=CHALLENGE[:2])
    login(client, user)
    response = _start(client, open_cohort)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "copied into the checklist step" in page
    with client.session_transaction() as session:
        assert "selfcheck" not in session
    from portal.applications.models import Application
    from portal.core.extensions import db

    with app.app_context():
        application = db.session.scalars(db.select(Application)).one()
        assert application.section("checklist") == {"version": VERSION, "basic": BASIC[:3], "challenge": CHALLENGE[:2]}
    checklist_step = client.get(response.headers["Location"].replace("/profile", "/checklist")).get_data(as_text=True)
    checked = set(re.findall(r'<input checked id="(\w+)"', checklist_step))
    assert checked == {f"basic_{i}" for i in BASIC[:3]} | {f"challenge_{i}" for i in CHALLENGE[:2]}


def test_answers_of_another_version_are_not_carried(app, client, make_user, make_organisation, open_cohort):
    user = make_user()
    make_organisation(user)
    with client.session_transaction() as session:
        session["selfcheck"] = {"version": "99", "basic": ["B01"], "challenge": []}
    login(client, user)
    response = _start(client, open_cohort)
    assert response.status_code == 302
    from portal.applications.models import Application
    from portal.core.extensions import db

    with app.app_context():
        assert db.session.scalars(db.select(Application)).one().section("checklist") is None


def test_answers_survive_signing_in(client, make_user):
    make_user(email="sc@example.jp")
    answer_every_page(client, basic=BASIC[:1], challenge=[])
    from support import login_with_form

    assert login_with_form(client, "sc@example.jp").status_code == 302
    with client.session_transaction() as session:
        assert session["selfcheck"]["basic"] == BASIC[:1]
        assert "_user_id" in session
