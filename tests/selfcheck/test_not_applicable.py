"""「該当なし」 in the self-check: the kind of organisation is asked where it matters, the choice is
offered where the checklist allows it, refused with a message (nothing kept) where it does not or
without its reason, counted as met and never as a challenge item — and the self-check's verdict
agrees with what the application says once the answers are carried into it."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from pages import structure_problems, words
from support import csrf_token, login, require_or_skip

from portal.applications.checklist import latest_version, load_checklist

CHECKLIST = load_checklist(latest_version())
BASIC = [item.id for item in CHECKLIST.basic]
CHALLENGE = [item.id for item in CHECKLIST.challenge]
EMPLOYMENT = ["B06", "B07", "B08", "B09", "B10"]
REASON = "従業員を雇用していないため。"
EN = {"Accept-Language": "en"}


def answer(client, kind=None, marked=None, basic=None, challenge=CHALLENGE[:5]):
    """Go through every page as a visitor does: tick `basic` (default: every item not marked),
    mark `marked` {id: reason} 該当なし, choose `challenge`, and say `kind` where asked."""
    marked = marked or {}
    basic = [i for i in BASIC if i not in marked] if basic is None else basic
    number = 1
    while True:
        path = f"/self-check/{number}"
        html = client.get(path, headers=EN).get_data(as_text=True)
        data = {"csrf_token": csrf_token(client, path), "go": "next"}
        if kind and 'name="applicant_kind"' in html:
            data["applicant_kind"] = kind
        for item_id in basic + challenge:
            prefix = "basic" if item_id.startswith("B") else "challenge"
            if f'id="{prefix}_{item_id}"' in html:
                data[f"{prefix}_{item_id}"] = "y"
        for item_id, reason in marked.items():
            if f'id="basic_{item_id}"' in html:
                data[f"na_{item_id}"] = "y"
                data[f"na_reason_{item_id}"] = reason
        response = client.post(path, data=data, headers=EN)
        assert response.status_code == 302, words(response.get_data(as_text=True))[:2000]
        if response.headers["Location"].endswith("/self-check/result"):
            return
        number += 1


def offered_ids(html: str) -> set[str]:
    return set(re.findall(r'<input[^>]*id="na_(B\d\d|C\d\d)"', html))


def test_the_basic_pages_ask_the_kind_and_offer_not_applicable_where_the_checklist_allows_it(client):
    pages = {n: client.get(f"/self-check/{n}", headers=EN).get_data(as_text=True) for n in (1, 2, 3, 4)}
    for html in pages.values():
        assert not structure_problems(html)
    assert offered_ids(pages[1]) == {"B06", "B07", "B08", "B09", "B10", "B14"}
    assert offered_ids(pages[2]) == {"B19"}
    assert offered_ids(pages[3]) == offered_ids(pages[4]) == set()
    for n in (1, 2):
        assert '<legend>Kind of organisation' in pages[n]
        for value in ("corporation", "group", "sole_proprietor"):
            assert f'value="{value}"' in pages[n]
    assert 'name="applicant_kind"' not in pages[3]
    text = words(pages[1])
    # The hint names the kinds an item allows, since the visitor may be any kind.
    assert "“Not applicable” is possible when you employ no one, part-time staff included " \
           "(groups and sole proprietors only). A short reason is required." in text
    assert "(sole proprietors only)" in text
    assert "“Not applicable” is possible when you store and use no chemicals or oils at your premises. " \
           "A short reason is required." in text


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"na_B06": "y", "na_reason_B06": REASON}, "applicant_kind",
     "Choose the kind of your organisation: which items may be “not applicable” depends on it."),
    ({"applicant_kind": "corporation", "na_B06": "y", "na_reason_B06": REASON}, "na_B06",
     "B06: only groups and sole proprietors can mark this item “not applicable”."),
    ({"applicant_kind": "sole_proprietor", "na_B06": "y", "na_reason_B06": ""}, "na_reason_B06",
     "B06: give a short reason why this item does not apply."),
    ({"applicant_kind": "sole_proprietor", "na_B02": "y", "na_reason_B02": "理由"}, "na_B02",
     "B02: this item cannot be marked “not applicable”."),
])
def test_a_refused_not_applicable_is_said_and_nothing_is_kept(client, data, field, message):
    token = csrf_token(client, "/self-check/1")
    response = client.post("/self-check/1", data={"csrf_token": token, "go": "next", "basic_B01": "y", **data},
                           headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and f'href="#{field}"' in html
    assert not structure_problems(html)
    with client.session_transaction() as session:
        assert "selfcheck" not in session


def test_a_sole_proprietor_without_employees_meets_the_rule_and_prints_the_reasons(client, tmp_path):
    answer(client, kind="sole_proprietor", marked={i: REASON for i in EMPLOYMENT})
    with client.session_transaction() as session:
        assert session["selfcheck"] == {
            "version": CHECKLIST.version, "basic": [i for i in BASIC if i not in EMPLOYMENT],
            "challenge": CHALLENGE[:5], "kind": "sole_proprietor", "not_applicable": {i: REASON for i in EMPLOYMENT}}
    html = client.get("/self-check/result", headers=EN).get_data(as_text=True)
    text = words(html)
    assert "Your answers would meet the checklist requirements" in text
    assert 'data-count="basic">25<' in html
    assert "Basic items marked “not applicable” (5, counted as met)" in text
    assert f"Why it does not apply: {REASON}" in text
    # On a page, the live count adds this page's boxes to the other pages' items (該当なし included).
    page = client.get("/self-check/2", headers=EN).get_data(as_text=True)
    assert 'data-basic-elsewhere="15"' in page  # 25 met, 10 of them on page 2
    pdf = client.get("/self-check/result.pdf")
    assert pdf.status_code == 200
    require_or_skip(bool(shutil.which("pdftotext")), "poppler-utils is not installed")
    (tmp_path / "r.pdf").write_bytes(pdf.data)
    printed = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert REASON in re.sub(r"\s+", "", printed)


def test_not_applicable_never_stands_in_for_a_challenge_item(client):
    answer(client, kind="sole_proprietor", marked={i: REASON for i in EMPLOYMENT}, challenge=CHALLENGE[:4])
    text = words(client.get("/self-check/result", headers=EN).get_data(as_text=True))
    assert "would not yet meet" in text and "Choose 1 more challenge items." in text


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
        assert cohort.checklist_version == CHECKLIST.version  # a new cohort answers the newest version
        return cohort.id


def _start(client, cohort_id) -> str:
    response = client.post("/applications/new", data={"cohort_id": cohort_id,
                                                      "csrf_token": csrf_token(client, "/applications/new")})
    assert response.status_code == 302
    return response.headers["Location"].replace("/steps/profile", "/steps/confirm")


def _checklist_problems(html: str) -> list[str]:
    """What the confirmation page lists as missing on the checklist step."""
    return re.findall(r'/steps/checklist#[^"]+">([^<]+)</a>', html)


@pytest.mark.parametrize(("self_check_kind", "organisation_kind", "marked", "agreed"), [
    ("sole_proprietor", "sole_proprietor", {i: REASON for i in EMPLOYMENT}, []),
    ("group", "group", {"B06": REASON, "B09": REASON, "B10": REASON}, []),
    # The self-check answered as a sole proprietor; the organisation is a group: both refuse B07 and B08.
    ("sole_proprietor", "group", {"B07": REASON, "B08": REASON},
     ["B07: only sole proprietors can mark this item “not applicable”.",
      "B08: only sole proprietors can mark this item “not applicable”."]),
])
def test_the_self_check_and_the_application_agree(app, client, make_user, make_organisation, open_cohort,
                                                  self_check_kind, organisation_kind, marked, agreed):
    answer(client, kind=self_check_kind, marked=marked)
    user = make_user(locale="en")
    make_organisation(user, kind=organisation_kind, corporate_number=None)
    login(client, user)
    confirm = _start(client, open_cohort)
    # The application read the carried answers against the organisation's kind…
    assert _checklist_problems(client.get(confirm).get_data(as_text=True)) == agreed
    # … and the self-check, told the same kind, says the same.
    with client.session_transaction() as session:
        assert "selfcheck" not in session  # carried into the application
    answer(client, kind=self_check_kind, marked=marked)
    with client.session_transaction() as session:
        session["selfcheck"] = {**session["selfcheck"], "kind": organisation_kind}
    result = words(client.get("/self-check/result", headers=EN).get_data(as_text=True))
    assert ("would meet the checklist requirements" in result) == (not agreed)
    for message in agreed:
        assert message in result
