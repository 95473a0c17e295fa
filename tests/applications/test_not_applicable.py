"""「該当なし」 in the application's checklist step, through the HTTP stack: offered only where the
cohort's checklist allows it for the applicant's kind, a reason where one is required, counted
as met for a basic item and never as a challenge item; refused with a message on the item and
nothing stored; shown on the confirmation page, the revision, the review page and the PDF copy;
version 1 cohorts unchanged."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from pages import structure_problems, words
from support import csrf_token, login, require_or_skip

from portal.core.extensions import db

EMPLOYMENT = ["B06", "B07", "B08", "B09", "B10"]
REASON = "従業員を雇用していないため。"
FIVE_CHALLENGES = ["C01", "C06", "C11", "C14", "C16"]
OFFERED = {
    "sole_proprietor": {"B06", "B07", "B08", "B09", "B10", "B14", "B19"},
    "group": {"B06", "B09", "B10", "B14", "B19"},
    "corporation": {"B14", "B19"},
}


@pytest.fixture
def applicant_of(app, client, make_user, make_organisation):
    """applicant_of(kind) -> (user id, organisation id): a signed-in owner (English pages) of an
    organisation of that kind."""

    def build(kind: str = "sole_proprietor", **fields):
        user_id = make_user(email=f"{kind}@example.jp", locale="en")
        if kind != "corporation":
            fields.setdefault("corporate_number", None)
        organisation_id = make_organisation(user_id, kind=kind, employees=0, **fields)
        login(client, user_id)
        return user_id, organisation_id

    return build


@pytest.fixture
def draft(app, make_cohort, make_application, complete_content):
    """draft(user_id, version=None, checklist=None) -> application id: a complete draft in an open
    cohort (on the newest checklist unless `version` says otherwise)."""
    from portal.cohorts import operations
    from portal.cohorts.models import CohortState

    def build(user_id: int, version: str | None = None, checklist: dict | None = None) -> int:
        if version is None:
            cohort_id = make_cohort()
        else:
            now = datetime.now(timezone.utc)
            with app.app_context():
                cohort = operations.plan_cohort(3, now - timedelta(days=5), now + timedelta(days=20),
                                                checklist_version=version)
                operations.move_cohort(cohort, CohortState.OPEN)
                db.session.commit()
                cohort_id = cohort.id
        content = complete_content()
        if checklist is not None:
            content["checklist"] = checklist
        return make_application(user_id, cohort_id, content)

    return build


def _step(client, application_id: int) -> str:
    return f"/applications/{application_id}/steps/checklist"


def post_checklist(client, application_id: int, met=None, challenge=FIVE_CHALLENGES, marked=None, **extra):
    """Post the checklist step: `met` basic ids (default: all but the marked ones), `marked`
    {id: reason} as 該当なし."""
    marked = marked or {}
    met = [f"B{n:02d}" for n in range(1, 26) if f"B{n:02d}" not in marked] if met is None else met
    data = {f"basic_{i}": "y" for i in met}
    data.update({f"challenge_{i}": "y" for i in challenge})
    for item_id, reason in marked.items():
        data[f"na_{item_id}"] = "y"
        data[f"na_reason_{item_id}"] = reason
    data.update(extra)
    path = _step(client, application_id)
    return client.post(path, data={**data, "go": "stay", "csrf_token": csrf_token(client, path)})


def stored_checklist(app, application_id: int) -> dict:
    from portal.applications.models import Application

    with app.app_context():
        return db.session.get(Application, application_id).section("checklist")


def offered_ids(html: str) -> set[str]:
    return set(re.findall(r'<input[^>]*id="na_(B\d\d|C\d\d)"', html))


@pytest.mark.parametrize("kind", ["sole_proprietor", "group", "corporation"])
def test_the_step_offers_not_applicable_only_where_the_checklist_allows_it_for_the_kind(client, applicant_of, draft,
                                                                                       kind):
    user_id, _ = applicant_of(kind)
    application_id = draft(user_id)
    response = client.get(_step(client, application_id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and not structure_problems(html)
    assert offered_ids(html) == OFFERED[kind]
    # Each choice: a labelled box and a labelled reason field, described by the item and the hint.
    for item_id in OFFERED[kind]:
        assert f'<label for="na_{item_id}">Not applicable</label>' in html
        assert re.search(rf'<label for="na_reason_{item_id}">Why it does not apply', html)
        reason = re.search(rf'<input[^>]*id="na_reason_{item_id}"[^>]*>', html).group(0)
        assert f'aria-describedby="basic_{item_id}-text na_{item_id}-hint"' in reason and 'maxlength="200"' in reason
        assert f'id="basic_{item_id}-text"' in html and f'id="na_{item_id}-hint"' in html
    if "B06" in OFFERED[kind]:
        assert "“Not applicable” is possible when you employ no one, part-time staff included. " \
               "A short reason is required." in words(html)


def test_a_sole_proprietor_marks_the_employment_items_and_submits(app, client, applicant_of, draft, mails):
    user_id, _ = applicant_of("sole_proprietor")
    application_id = draft(user_id)
    response = post_checklist(client, application_id, marked={i: REASON for i in EMPLOYMENT})
    assert response.status_code == 302
    assert stored_checklist(app, application_id) == {
        "version": "2", "basic": [f"B{n:02d}" for n in range(1, 26) if f"B{n:02d}" not in EMPLOYMENT],
        "challenge": FIVE_CHALLENGES, "not_applicable": {i: REASON for i in EMPLOYMENT}}

    # The step shows the choices ticked, with their reasons.
    html = client.get(_step(client, application_id)).get_data(as_text=True)
    assert re.search(r'<input[^>]* checked [^>]*id="na_B06"', html)
    assert re.search(rf'<input[^>]*id="na_reason_B06"[^>]*value="{REASON}"', html)

    confirm = client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True)
    text = words(confirm)
    assert "Everything required is filled in." in text
    assert "Basic items met: 25 of 25. Challenge items chosen: 5 (at least 5)." in text
    assert "Of the basic items met, 5 are marked “not applicable”." in text
    assert f"B07 We keep the workplace safe and healthy, prevent occupational accidents and look after " \
           f"employees' health. Why it does not apply: {REASON}" in text

    submitted = client.post(f"/applications/{application_id}/submit",
                            data={"csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")})
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/applications/{application_id}")
    revision = words(client.get(f"/applications/{application_id}/revisions/1").get_data(as_text=True))
    assert "Of the basic items met, 5 are marked “not applicable”." in revision and f"Why it does not apply: {REASON}" in revision


def test_the_review_page_and_the_pdf_copy_show_not_applicable(app, client, applicant_of, draft, make_user, tmp_path):
    user_id, _ = applicant_of("sole_proprietor")
    application_id = draft(user_id)
    assert post_checklist(client, application_id, marked={"B06": REASON, "B14": "化学物質や油類を使っていないため。"}
                          ).status_code == 302
    path = f"/applications/{application_id}/submit"
    assert client.post(path, data={"csrf_token": csrf_token(
        client, f"/applications/{application_id}/steps/confirm")}).status_code == 302

    reviewer = app.test_client()
    login(reviewer, make_user("reviewer", email="reviewer@example.jp", locale="en"))
    review = reviewer.get(f"/staff/review/{application_id}")
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and not structure_problems(html)
    text = words(html)
    assert "Of the basic items met, 2 are marked “not applicable”." in text
    assert f"Why it does not apply: {REASON}" in text and "Why it does not apply: 化学物質や油類を使っていないため。" in text
    # The check of the checklist says which items the applicant marked, and why.
    assert f"Basic item · marked “not applicable” by the applicant — Why it does not apply: {REASON}" in text
    assert "Basic item · ticked by the applicant" in text

    pdf = client.get(f"/applications/{application_id}/revisions/1/copy.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    require_or_skip(bool(shutil.which("pdftotext")), "poppler-utils is not installed")
    (tmp_path / "copy.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "copy.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "基本項目：25／25項目を満たす（うち「該当なし」2項目）" in flat
    assert "基本項目のうち「該当なし」とした項目" in flat
    assert f"理由：{REASON}" in flat and "理由：化学物質や油類を使っていないため。" in flat


def test_a_changed_reason_shows_among_the_changes_between_revisions(app, client, applicant_of, draft, make_user):
    from portal.applications import operations
    from portal.applications.models import Application
    from portal.accounts.models import User

    user_id, _ = applicant_of("sole_proprietor")
    application_id = draft(user_id)
    assert post_checklist(client, application_id, marked={"B06": REASON}).status_code == 302
    confirm = f"/applications/{application_id}/steps/confirm"
    assert client.post(f"/applications/{application_id}/submit",
                       data={"csrf_token": csrf_token(client, confirm)}).status_code == 302
    reviewer_id = make_user("reviewer", email="reviewer@example.jp", locale="en")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        reviewer = db.session.get(User, reviewer_id)
        operations.start_review(application, reviewer)
        operations.return_for_correction(application, "理由を具体的に。", {}, None, reviewer)
        db.session.commit()
    assert post_checklist(client, application_id, marked={"B06": "家族だけで営んでいるため。", "B19": "サービスのみのため。"}
                          ).status_code == 302
    assert client.post(f"/applications/{application_id}/submit",
                       data={"csrf_token": csrf_token(client, confirm)}).status_code == 302
    staff = app.test_client()
    login(staff, reviewer_id)
    text = words(staff.get(f"/staff/review/{application_id}").get_data(as_text=True))
    assert "Marked “not applicable”" in text and "B19 We have a procedure for reporting" in text
    assert "B06: reason for “not applicable”" in text and "家族だけで営んでいるため。" in text


@pytest.mark.parametrize(("kind", "marked", "extra", "field", "message"), [
    # Only the kinds the item names: a corporation employs people.
    ("corporation", {"B06": REASON}, {}, "na_B06",
     "B06: only groups and sole proprietors can mark this item “not applicable”."),
    ("group", {"B07": REASON}, {}, "na_B07", "B07: only sole proprietors can mark this item “not applicable”."),
    # Never for compliance, organised crime, bribery or fair dealing with suppliers.
    ("sole_proprietor", {"B01": "理由"}, {}, "na_B01", "B01: this item cannot be marked “not applicable”."),
    ("sole_proprietor", {"B02": "理由"}, {}, "na_B02", "B02: this item cannot be marked “not applicable”."),
    ("sole_proprietor", {"B03": "理由"}, {}, "na_B03", "B03: this item cannot be marked “not applicable”."),
    ("sole_proprietor", {"B04": "理由"}, {}, "na_B04", "B04: this item cannot be marked “not applicable”."),
    # A challenge item is chosen or not: 該当なし never stands in for one.
    ("sole_proprietor", {"C02": "理由"}, {}, "na_C02", "C02: this item cannot be marked “not applicable”."),
    # The reason is required, and short.
    ("sole_proprietor", {"B06": "  "}, {}, "na_reason_B06", "B06: give a short reason why this item does not apply."),
    ("sole_proprietor", {"B06": "あ" * 201}, {}, "na_reason_B06", "B06: the reason can be at most 200 characters."),
    # Met and not applicable at once is a contradiction.
    ("sole_proprietor", {"B06": REASON}, {"basic_B06": "y"}, "na_B06",
     "B06: tick either “met” or “not applicable”, not both."),
])
def test_a_refused_not_applicable_is_said_on_the_item_and_nothing_is_stored(app, client, applicant_of, draft, kind,
                                                                           marked, extra, field, message):
    user_id, _ = applicant_of(kind)
    application_id = draft(user_id)
    before = stored_checklist(app, application_id)
    response = post_checklist(client, application_id, marked=marked, **extra)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert stored_checklist(app, application_id) == before
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"|<input[^>]*id="{field}"[^>]*aria-invalid="true"',
                     html)
    assert f'<a href="#{field}">' in html  # the summary at the top links to it
    assert not structure_problems(html)


def test_not_applicable_never_counts_as_a_challenge_item(app, client, applicant_of, draft):
    user_id, _ = applicant_of("sole_proprietor")
    application_id = draft(user_id)
    assert post_checklist(client, application_id, challenge=FIVE_CHALLENGES[:4],
                          marked={i: REASON for i in EMPLOYMENT}).status_code == 302
    text = words(client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True))
    assert "Choose at least 5 challenge items (4 chosen)." in text
    assert "Basic items met: 25 of 25. Challenge items chosen: 4 (at least 5)." in text
    response = client.post(f"/applications/{application_id}/submit", data={
        "csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/steps/confirm")
    from portal.applications.models import Application

    with app.app_context():
        assert db.session.get(Application, application_id).state == "draft"


def test_a_kind_changed_after_saving_refuses_the_not_applicable_at_submission(app, client, applicant_of, draft):
    from portal.organisations.models import Organisation, OrganisationKind

    user_id, organisation_id = applicant_of("sole_proprietor")
    application_id = draft(user_id)
    assert post_checklist(client, application_id, marked={"B07": REASON}).status_code == 302
    with app.app_context():  # the profile now says group (no registration locks the kind yet)
        db.session.get(Organisation, organisation_id).kind = OrganisationKind.GROUP
        db.session.commit()

    confirm = client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True)
    message = "B07: only sole proprietors can mark this item “not applicable”."
    assert f'href="/applications/{application_id}/steps/checklist#na_B07">{message}</a>' in confirm
    assert "Every basic item must be met" not in words(confirm)  # the refusal says it, once
    step = client.get(_step(client, application_id)).get_data(as_text=True)
    assert f'<p class="field-error" id="na_B07-error">{message}</p>' in step  # shown where it can be undone
    response = client.post(f"/applications/{application_id}/submit", data={
        "csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")})
    assert response.headers["Location"].endswith("/steps/confirm")
    from portal.applications.models import Application

    with app.app_context():
        assert db.session.get(Application, application_id).state == "draft"
    # Unticked (and B07 met), it submits.
    assert post_checklist(client, application_id).status_code == 302
    assert client.post(f"/applications/{application_id}/submit", data={
        "csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")}).status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).state == "submitted"


def test_a_version_1_cohort_is_unchanged(app, client, applicant_of, draft):
    from portal.applications.checklist import load_checklist

    v1 = load_checklist("1")
    user_id, _ = applicant_of("sole_proprietor")
    answers = {"version": "1", "basic": [i.id for i in v1.basic], "challenge": FIVE_CHALLENGES}
    application_id = draft(user_id, version="1", checklist=answers)
    html = client.get(_step(client, application_id)).get_data(as_text=True)
    assert offered_ids(html) == set() and "Not applicable" not in html
    # A hand-made 該当なし is refused, and the answers stay as they were.
    response = post_checklist(client, application_id, marked={"B06": REASON})
    assert response.status_code == 200
    assert '<p class="field-error" id="na_B06-error">B06: this item cannot be marked “not applicable”.</p>' \
        in response.get_data(as_text=True)
    assert stored_checklist(app, application_id) == answers
    # Saved as before: the same shape, no 該当なし key.
    assert post_checklist(client, application_id, met=[i.id for i in v1.basic]).status_code == 302
    assert stored_checklist(app, application_id) == answers
    confirm = words(client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True))
    assert "Everything required is filled in." in confirm and "not applicable" not in confirm


def test_a_cohort_planned_now_answers_version_2_and_earlier_cohorts_keep_version_1(app, client, make_user):
    from portal.cohorts import operations
    from portal.cohorts.models import Cohort

    now = datetime.now(timezone.utc)
    with app.app_context():
        earlier = operations.plan_cohort(1, now - timedelta(days=400), now - timedelta(days=370), checklist_version="1")
        later = operations.plan_cohort(2, now + timedelta(days=10), now + timedelta(days=40))
        db.session.commit()
        assert (earlier.checklist_version, later.checklist_version) == ("1", "2")
        earlier_id = earlier.id
    login(client, make_user("secretariat", email="secretariat@example.jp", locale="en"))
    form = client.get("/staff/cohorts/new").get_data(as_text=True)
    # The form offers both versions and proposes the newest.
    assert re.search(r'<option[^>]*selected[^>]*value="2"|<option[^>]*value="2"[^>]*selected', form)
    assert re.search(r'<option[^>]*value="1"', form)
    with app.app_context():
        assert db.session.get(Cohort, earlier_id).checklist_version == "1"


def test_a_renewal_from_a_version_1_registration_reads_its_answers_in_version_2(app, client, applicant_of):
    """Registered on version 1 (no 該当なし then: the sole proprietor ticked everything), renewing
    in a cohort on version 2: every answer carries over as a version 2 answer, and the employment
    items may now be marked 「該当なし」."""
    from portal.applications.checklist import load_checklist
    from portal.applications.models import Application, ApplicationKind, ApplicationRevision
    from portal.applications.workflow import ApplicationState
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.i18n import today_jst
    from portal.registrations.models import Registration
    from portal.registrations.terms import add_months

    v1 = load_checklist("1")
    user_id, organisation_id = applicant_of("sole_proprietor")
    answers = {"version": "1", "basic": [i.id for i in v1.basic], "challenge": FIVE_CHALLENGES}
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        earlier = cohorts.plan_cohort(2, now - timedelta(days=1000), now - timedelta(days=970), checklist_version="1")
        later = cohorts.plan_cohort(3, now - timedelta(days=5), now + timedelta(days=20))
        cohorts.move_cohort(later, CohortState.OPEN)
        valid_until = add_months(today_jst(), 3)
        registration = Registration(number=Registration.format_number(2, 1), cohort=earlier, sequence=1,
                                    organisation_id=organisation_id, valid_until=valid_until,
                                    registered_on=add_months(valid_until, -36) + timedelta(days=1))
        db.session.add(registration)
        db.session.flush()
        content = {"vision": "v", "actions": [], "checklist": answers}
        application = Application(organisation_id=organisation_id, cohort=earlier, content=content,
                                   kind=ApplicationKind.NEW, state=ApplicationState.APPROVED, revision_count=1,
                                   submitted_at=now - timedelta(days=900), registration_id=registration.id)
        db.session.add(application)
        db.session.flush()
        db.session.add(ApplicationRevision(application_id=application.id, number=1, submitted_at=now,
                                           content={**content, "kind": "new", "cohort": 2, "checklist_version": "1",
                                                    "attachments": []}))
        db.session.commit()
        registration_id, later_id = registration.id, later.id

    path = f"/applications/renew/{registration_id}"
    response = client.post(path, data={"cohort_id": later_id, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    renewal_id = int(re.search(r"/applications/(\d+)/steps/report$", response.headers["Location"]).group(1))
    assert stored_checklist(app, renewal_id) == {**answers, "version": "2"}
    step = client.get(_step(client, renewal_id)).get_data(as_text=True)
    assert offered_ids(step) == OFFERED["sole_proprietor"]
    assert all(re.search(rf'<input checked id="basic_{i.id}"', step) for i in v1.basic)
    confirm = client.get(f"/applications/{renewal_id}/steps/confirm").get_data(as_text=True)
    assert "/steps/checklist#" not in confirm  # nothing missing on the checklist
    # Marking the employment items 該当なし in the renewal is now possible.
    assert post_checklist(client, renewal_id, marked={i: REASON for i in EMPLOYMENT}).status_code == 302
    assert stored_checklist(app, renewal_id)["not_applicable"] == {i: REASON for i in EMPLOYMENT}
