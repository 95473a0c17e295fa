"""The staff review: the queue (filters, search, counts, assignment), the review page (the
submitted revision and what changed since the last one) and the review actions, refused
cleanly when the page went stale or the user may not act."""
from __future__ import annotations

import re
from datetime import timedelta

from pages import structure_problems
from sqlalchemy import select, text
from support import counted, csrf_token, login

from portal.accounts.models import User
from portal.applications import operations
from portal.applications.models import Application
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst

QUEUE = "/staff/review/"
STALE = "This application was changed by someone else meanwhile"


def _ids(html: str) -> list[int]:
    """The application ids listed in the queue, in their order."""
    return [int(n) for n in re.findall(r'<tr id="application-(\d+)"', html)]


def _queue(client, **args) -> list[int]:
    response = client.get(QUEUE, query_string={"lang": "en", **args})
    assert response.status_code == 200
    return _ids(response.get_data(as_text=True))


def _page(client, application_id: int) -> str:
    response = client.get(f"/staff/review/{application_id}?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _post(client, path: str, data: dict, follow: bool = False):
    token = csrf_token(client, QUEUE)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=follow)


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _english(client) -> None:
    client.get("/?lang=en")


# --- the queue -----------------------------------------------------------------------------

def test_the_queue_lists_submitted_applications_and_never_drafts(make_cohort, make_submitted, reviewer,
                                                                 staff_client):
    cohort = make_cohort()
    first = make_submitted(cohort)
    second = make_submitted(cohort, state="under_review")
    draft = make_submitted(cohort, state="draft")
    client = staff_client(reviewer)
    response = client.get(QUEUE + "?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and structure_problems(html) == []
    assert set(_ids(html)) == {first, second} and draft not in _ids(html)
    assert f'href="/staff/review/{first}"' in html


def test_filters_and_search(app, make_cohort, make_submitted, reviewer, staff_client):
    cohort, other_cohort = make_cohort(3), make_cohort(4)
    kumamoto = make_submitted(cohort, name="熊本商事株式会社", name_kana="クマモトショウジカブシキガイシャ",
                              corporate_number="8330001000000")
    yatsushiro = make_submitted(cohort, name="八代建設", name_kana="ヤツシロケンセツ", where="yatsushiro", industry="D",
                                state="under_review")
    mismatch = make_submitted(cohort, name="花畑商店", name_kana="ハナバタショウテン", where="mismatch", industry="I")
    later = make_submitted(other_cohort, name="あさひ食品", name_kana="アサヒショクヒン")
    client = staff_client(reviewer)

    assert _queue(client, q="くまもとしょうじ") == [kumamoto]  # hiragana finds the katakana reading
    assert _queue(client, q="ｸﾏﾓﾄ") == [kumamoto]  # half-width kana too
    assert _queue(client, q="八代") == [yatsushiro]
    assert _queue(client, q="8330-0010-00000") == [kumamoto]  # 法人番号, as typed with hyphens
    assert _queue(client, q="100%") == []  # LIKE wildcards are searched for literally
    assert set(_queue(client, where="in_city")) == {kumamoto, mismatch, later}
    assert _queue(client, where="outside") == [yatsushiro]
    assert _queue(client, where="mismatch") == [mismatch]
    assert _queue(client, municipality="43202") == [yatsushiro]
    assert set(_queue(client, municipality="43100")) == {kumamoto, mismatch, later}  # the city: all its wards
    assert _queue(client, industry="D") == [yatsushiro]
    assert _queue(client, state="under_review") == [yatsushiro]
    with app.app_context():
        cohort_4 = db.session.scalar(select(Application.cohort_id).where(Application.id == later))
    assert _queue(client, cohort=cohort_4) == [later]
    assert _queue(client, sort="name") == [later, kumamoto, mismatch, yatsushiro]  # アサヒ, クマモト, ハナバタ, ヤツシロ
    assert _queue(client, sort="submitted") == [kumamoto, yatsushiro, mismatch, later]
    assert _queue(client, sort="-submitted") == [later, mismatch, yatsushiro, kumamoto]

    assert set(_queue(client, reviewer="unassigned")) == {kumamoto, yatsushiro, mismatch, later}
    assert _queue(client, reviewer="mine") == []
    with app.test_request_context():
        operations.assign_reviewer(db.session.get(Application, mismatch), db.session.get(User, reviewer),
                                   db.session.get(User, reviewer))
        db.session.commit()
    assert _queue(client, reviewer="mine") == [mismatch]
    assert _queue(client, reviewer=str(reviewer)) == [mismatch]
    assert mismatch not in _queue(client, reviewer="unassigned")


def test_counts_per_state_follow_the_cohort_filter(app, make_cohort, make_submitted, reviewer, staff_client):
    cohort, other_cohort = make_cohort(3), make_cohort(4)
    for _ in range(2):
        make_submitted(cohort)
    make_submitted(cohort, state="under_review")
    make_submitted(cohort, state="draft")
    make_submitted(other_cohort)
    client = staff_client(reviewer)

    def counts(**args) -> dict[str, int]:
        html = client.get(QUEUE, query_string={"lang": "en", **args}).get_data(as_text=True)
        return {state: int(n) for state, n in re.findall(r'id="count-(\w+)"[^>]*><a [^>]*>.*?</a>: <strong>(\d+)</strong>',
                                                         html)}

    with app.app_context():
        cohort_3 = db.session.scalar(select(Application.cohort_id).where(Application.state == "draft"))
    assert counts(cohort=cohort_3) == {**dict.fromkeys(counts(), 0), "submitted": 2, "under_review": 1,
                                       "actionable": 3}
    assert counts(cohort="")["submitted"] == 3 and "draft" not in counts(cohort="")


# --- assignment ----------------------------------------------------------------------------

def test_a_reviewer_takes_an_unassigned_application_but_not_one_someone_has(
        app, make_cohort, make_submitted, reviewer, make_user, staff_client, load):
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    html = client.get(QUEUE + "?lang=en").get_data(as_text=True)
    assert f'formaction="/staff/review/{application_id}/take"' in html
    assert 'name="applications"' not in html  # no bulk assignment for reviewers

    version = load(application_id).version
    response = _post(client, f"/staff/review/{application_id}/take", {"version": version, "back": QUEUE})
    assert response.status_code == 302 and response.headers["Location"].endswith(QUEUE)
    assert load(application_id).reviewer_id == reviewer

    colleague = make_user("reviewer", email="colleague@example.jp")
    other = staff_client(colleague)
    _english(other)
    response = _post(other, f"/staff/review/{application_id}/take", {"version": load(application_id).version})
    assert response.status_code == 302
    assert load(application_id).reviewer_id == reviewer
    assert "Another reviewer already has this application." in _flashes(other)
    assert f'formaction="/staff/review/{application_id}/take"' not in other.get(QUEUE).get_data(as_text=True)


def test_a_reviewer_cannot_assign_to_others(make_cohort, make_submitted, reviewer, make_user, staff_client, load):
    application_id = make_submitted(make_cohort())
    colleague = make_user("reviewer", email="colleague@example.jp")
    client = staff_client(reviewer)
    version = load(application_id).version
    response = _post(client, "/staff/review/assign", {"applications": f"{application_id}:{version}",
                                                      "reviewer_id": colleague})
    assert response.status_code == 403
    response = _post(client, f"/staff/review/{application_id}/assign", {"version": version, "reviewer_id": colleague})
    assert response.status_code == 403
    assert load(application_id).reviewer_id is None


def test_the_secretariat_assigns_in_bulk_and_one_by_one(app, make_cohort, make_submitted, reviewer, secretariat,
                                                        staff_client, load):
    cohort = make_cohort()
    first, second, third = (make_submitted(cohort) for _ in range(3))
    client = staff_client(secretariat)
    _english(client)
    html = client.get(QUEUE).get_data(as_text=True)
    assert structure_problems(html) == []
    assert f'value="{first}:{load(first).version}"' in html
    assert '<option selected value="">' in html  # the bulk assignment starts on "choose"

    response = _post(client, "/staff/review/assign", {
        "applications": [f"{first}:{load(first).version}", f"{second}:{load(second).version}"],
        "reviewer_id": reviewer, "back": QUEUE + "?reviewer=unassigned"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/review/?reviewer=unassigned")
    assert [load(i).reviewer_id for i in (first, second, third)] == [reviewer, reviewer, None]
    assert "2 applications were assigned." in _flashes(client)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "application.reviewer_assigned")) == 2

    # One by one from the review page: to the secretariat member, then to nobody.
    response = _post(client, f"/staff/review/{third}/assign", {"version": load(third).version,
                                                               "reviewer_id": secretariat})
    assert response.status_code == 302 and load(third).reviewer_id == secretariat
    _post(client, f"/staff/review/{third}/assign", {"version": load(third).version, "reviewer_id": 0})
    assert load(third).reviewer_id is None

    # A row shown before someone else changed it is refused; the others are assigned.
    stale = load(first).version
    with app.test_request_context():
        operations.start_review(db.session.get(Application, first), db.session.get(User, reviewer))
        db.session.commit()
    _post(client, "/staff/review/assign", {"applications": [f"{first}:{stale}", f"{third}:{load(third).version}"],
                                           "reviewer_id": secretariat})
    assert load(first).reviewer_id == reviewer and load(third).reviewer_id == secretariat
    assert any("changed meanwhile" in message for message in _flashes(client))

    # Nothing checked: a clear message, nothing changed.
    response = _post(client, "/staff/review/assign", {"reviewer_id": reviewer})
    assert response.status_code == 302 and "Check at least one application." in _flashes(client)
    response = _post(client, "/staff/review/assign", {"applications": f"{second}:{load(second).version}",
                                                      "reviewer_id": ""})
    assert "Choose whom to assign the checked applications to." in _flashes(client)
    assert load(second).reviewer_id == reviewer


# --- the review page -----------------------------------------------------------------------

def _resubmitted(app, make_cohort, make_submitted, reviewer, complete_content) -> int:
    """An application submitted (revision 1), returned, changed and submitted again (revision 2)."""
    content = complete_content()
    application_id = make_submitted(make_cohort(), content=content)
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        staff = db.session.get(User, reviewer)
        operations.start_review(application, staff)
        operations.return_for_correction(application, "ビジョンを具体的に。", {"vision": "数値を入れてください"}, None, staff)
        db.session.commit()
        owner = application.organisation.owner
        operations.save_section(application, "vision", "2030年には熊本で最も信頼される会社になり、CO2を半減する。", owner)
        checklist = dict(content["checklist"])
        checklist["challenge"] = [*checklist["challenge"][1:], "C10"]
        operations.save_section(application, "checklist", checklist, owner)
        db.session.commit()  # saved, then submitted: two requests
        operations.submit_application(application, owner)
        db.session.commit()
    return application_id


def test_the_review_page_shows_revision_2_and_what_changed_since_revision_1(
        app, make_cohort, make_submitted, reviewer, complete_content, staff_client):
    application_id = _resubmitted(app, make_cohort, make_submitted, reviewer, complete_content)
    client = staff_client(reviewer)
    html = _page(client, application_id)
    assert structure_problems(html) == []
    assert "Submitted application (revision 2)" in html
    assert "Changes from revision 1 to revision 2" in html
    # Revision 2's vision, in full, with what was added marked in place (and the text before it).
    vision = html[html.index('id="summary-vision"'):html.index('id="summary-actions"')]
    assert "2030年には熊本で最も信頼される会社になり、CO2を半減する。" in re.sub(r"<[^>]+>", "", vision)
    assert 'id="change-vision"' in vision and "Before" in vision
    assert "<del>地域</del>" in html and "<ins>熊本</ins>" in html  # the character diff of the vision
    assert "<ins>C10" in html and "<del>C01" in html  # the challenge items chosen
    assert 'id="change-vision"' in html and 'id="change-checklist"' in html and 'id="change-actions"' not in html
    assert "Correction requested" in html and "Submitted (revision 2)" in html  # the timeline
    assert f'action="/staff/review/{application_id}/start"' in html


def test_the_review_page_shows_attachments_history_and_the_location_flag(
        app, make_cohort, make_submitted, reviewer, staff_client):
    import io

    from werkzeug.datastructures import FileStorage

    application_id = make_submitted(make_cohort(3), where="mismatch", state="draft")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        owner = application.organisation.owner
        attachment = operations.add_attachment(application, FileStorage(io.BytesIO(b"%PDF-1.4 x"), "plan.pdf"), owner)
        operations.submit_application(application, owner)
        db.session.commit()
        attachment_id = attachment.id
    html = _page(staff_client(reviewer), application_id)
    assert f'href="/applications/{application_id}/attachments/{attachment_id}"' in html and "plan.pdf" in html
    assert 'id="location-mismatch"' in html
    assert "No other application." in html and "No registration yet." in html
    assert "This is the first submitted version" in html


def test_a_draft_has_no_review_page(make_cohort, make_submitted, reviewer, secretariat, staff_client, load):
    draft = make_submitted(make_cohort(), state="draft")
    for staff in (reviewer, secretariat):
        client = staff_client(staff)
        assert client.get(f"/staff/review/{draft}").status_code == 404
        for action in ("start", "return", "approve", "reject", "reset", "take"):
            response = _post(client, f"/staff/review/{draft}/{action}", {"version": load(draft).version,
                                                                         "message": "x", "reason": "x"})
            assert response.status_code == 404, action
    assert load(draft).state == "draft" and load(draft).reviewer_id is None


def test_applicants_and_partners_are_refused_every_review_page(app, client, applicant, make_user, make_cohort,
                                                              make_application, make_submitted, complete_content,
                                                              load):
    own = make_application(applicant[0], make_cohort(), complete_content())
    with app.test_request_context():
        application = db.session.get(Application, own)
        operations.submit_application(application, db.session.get(User, applicant[0]))
        db.session.commit()
    partner = app.test_client()
    login(partner, make_user("partner", partner="bank-x"))
    for visitor in (client, partner):  # the applicant (even for their own application) and a partner
        assert visitor.get(QUEUE).status_code == 403
        assert visitor.get(f"/staff/review/{own}").status_code == 403
        token = csrf_token(visitor, "/account")
        for action in ("start", "return", "approve", "reject", "reset", "take", "assign"):
            response = visitor.post(f"/staff/review/{own}/{action}", data={
                "csrf_token": token, "version": load(own).version, "message": "x", "reason": "x", "reviewer_id": 0})
            assert response.status_code == 403, action
        assert visitor.post("/staff/review/assign", data={"csrf_token": token}).status_code == 403
    assert load(own).state == "submitted"
    anonymous = app.test_client()
    response = anonymous.get(f"/staff/review/{own}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the actions ---------------------------------------------------------------------------

def test_return_with_a_message_a_note_and_a_deadline_mails_the_applicant(
        app, make_cohort, make_submitted, reviewer, staff_client, mails, load):
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    html = _page(client, application_id)
    assert 'name="note_vision"' in html and 'name="note_confirm"' not in html
    deadline = today_jst() + timedelta(days=14)
    before = len(mails())
    response = _post(client, f"/staff/review/{application_id}/return", {
        "version": load(application_id).version, "message": "重点的な取組の指標を具体的にしてください。",
        "note_actions": "指標に単位を", "note_vision": "", "deadline": deadline.isoformat()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/review/{application_id}")
    application = load(application_id)
    assert application.state == "returned"
    assert application.return_message == "重点的な取組の指標を具体的にしてください。"
    assert application.return_notes == {"actions": "指標に単位を"}
    assert application.correction_deadline == deadline
    sent = mails()[before:]
    with app.app_context():
        owner_email = db.session.get(Application, application_id).organisation.owner.email
    assert [m.recipient for m in sent] == [owner_email]
    assert "重点的な取組の指標を具体的にしてください。" in sent[0].body


def test_a_deadline_in_the_past_is_refused_and_nothing_changes(app, make_cohort, make_submitted, reviewer,
                                                               staff_client, mails, load):
    application_id = make_submitted(make_cohort(), state="under_review")
    client = staff_client(reviewer)
    _english(client)
    before = len(mails())
    response = _post(client, f"/staff/review/{application_id}/return", {
        "version": load(application_id).version, "message": "修正してください。",
        "deadline": (today_jst() - timedelta(days=1)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and structure_problems(html) == []
    assert "The correction deadline cannot be in the past." in html
    assert "修正してください。" in html  # what was typed is kept
    assert f'name="back" value="/staff/review/{application_id}"' in html  # not the POST-only action URL
    assert load(application_id).state == "under_review" and len(mails()) == before

    response = _post(client, f"/staff/review/{application_id}/return", {"version": load(application_id).version,
                                                                         "message": ""})
    assert response.status_code == 200 and "Write what the applicant should correct." in response.get_data(as_text=True)
    assert load(application_id).state == "under_review"


def test_start_recommend_approval_reset_and_recommend_rejection(app, make_cohort, make_submitted, reviewer,
                                                               staff_client, mails, load):
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    _english(client)
    before = len(mails())
    path = f"/staff/review/{application_id}"

    assert _post(client, f"{path}/start", {"version": load(application_id).version}).status_code == 302
    assert load(application_id).state == "under_review"
    assert _post(client, f"{path}/approve", {"version": load(application_id).version}).status_code == 302
    assert load(application_id).state == "recommended_approval"
    assert f'action="{path}/reset"' in _page(client, application_id)

    assert _post(client, f"{path}/reset", {"version": load(application_id).version}).status_code == 302
    assert load(application_id).state == "under_review"

    # A rejection needs a reason: typed, or chosen from the reusable ones.
    response = _post(client, f"{path}/reject", {"version": load(application_id).version, "reason": "", "preset": ""})
    assert response.status_code == 200
    assert "Give the reason for recommending rejection, or choose one." in response.get_data(as_text=True)
    assert load(application_id).state == "under_review"
    response = _post(client, f"{path}/reject", {"version": load(application_id).version, "reason": "",
                                                "preset": "not_eligible"})
    assert response.status_code == 302
    application = load(application_id)
    assert application.state == "recommended_rejection"
    assert application.recommendation_reason.startswith("The applicant does not meet the eligibility requirements")
    html = _page(client, application_id)
    assert structure_problems(html) == [] and 'id="recommendation-reason"' in html

    _post(client, f"{path}/reset", {"version": load(application_id).version})
    assert load(application_id).recommendation_reason is None
    _post(client, f"{path}/reject", {"version": load(application_id).version, "reason": "反社チェック未了",
                                     "preset": "not_eligible"})
    assert load(application_id).recommendation_reason == "反社チェック未了"  # the typed reason wins
    assert len(mails()) == before  # recommendations are internal: nobody is mailed
    assert "Recommended: Recommended for rejection" in _page(client, application_id)

    # An action the state does not allow any more: a clear refusal, not an error page.
    response = _post(client, f"{path}/approve", {"version": load(application_id).version}, follow=True)
    assert response.status_code == 200
    assert "Only an application under review can be recommended." in response.get_data(as_text=True)


def test_an_action_from_a_stale_page_is_refused(app, make_cohort, make_submitted, reviewer, make_user,
                                               staff_client, load):
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    _english(client)
    shown = load(application_id).version
    colleague = make_user("reviewer", email="colleague@example.jp")
    with app.test_request_context():  # a colleague starts the review meanwhile
        operations.start_review(db.session.get(Application, application_id), db.session.get(User, colleague))
        db.session.commit()
    path = f"/staff/review/{application_id}"
    response = _post(client, f"{path}/approve", {"version": shown})
    assert response.status_code == 302 and any(STALE in m for m in _flashes(client))
    assert load(application_id).state == "under_review"

    response = _post(client, f"{path}/return", {"version": shown, "message": "修正をお願いします。"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and STALE in html and "修正をお願いします。" in html
    assert structure_problems(html) == []
    assert load(application_id).state == "under_review"

    response = _post(client, f"{path}/approve", {})  # no version at all: not sent from the page
    assert response.status_code == 302 and load(application_id).state == "under_review"


def test_a_commit_that_loses_the_race_is_refused(app, make_cohort, make_submitted, reviewer, staff_client, load,
                                                 monkeypatch):
    """Both requests passed the version check; the second to commit finds the row changed."""
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    _english(client)
    original = operations.start_review

    def start_while_someone_else_commits(application, actor):
        original(application, actor)
        with db.engine.begin() as connection:  # another worker's change, committed first
            connection.execute(text("UPDATE applications SET state = 'returned', version = version + 1 "
                                    "WHERE id = :id"), {"id": application.id})

    monkeypatch.setattr(operations, "start_review", start_while_someone_else_commits)
    response = _post(client, f"/staff/review/{application_id}/start", {"version": load(application_id).version})
    assert response.status_code == 302 and any(STALE in m for m in _flashes(client))
    assert load(application_id).state == "returned"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "application.review_started")) == 0


# --- cost ----------------------------------------------------------------------------------

def test_the_queue_costs_the_same_queries_for_3_and_30_applications(app, make_cohort, make_submitted, reviewer,
                                                                   secretariat, staff_client):
    cohort = make_cohort()
    clients = {"reviewer": staff_client(reviewer), "secretariat": staff_client(secretariat)}

    def add(count: int) -> None:
        for n in range(count):
            application_id = make_submitted(cohort, where=("kumamoto", "yatsushiro", "mismatch")[n % 3])
            if n % 2:
                with app.test_request_context():
                    operations.assign_reviewer(db.session.get(Application, application_id),
                                               db.session.get(User, reviewer), db.session.get(User, secretariat))
                    db.session.commit()

    def measure() -> dict[str, list[str]]:
        found = {}
        for name, client in clients.items():
            client.get(QUEUE)  # warm up (session, language)
            with counted(app) as statements:
                response = client.get(QUEUE)
            assert response.status_code == 200
            found[name] = list(statements)
        return found

    add(3)
    small = measure()
    add(27)
    large = measure()
    assert len(_ids(clients["reviewer"].get(QUEUE).get_data(as_text=True))) == 30
    for name in clients:
        assert len(small[name]) == len(large[name]), "\n".join(large[name])


def test_the_queue_pages(make_cohort, make_submitted, reviewer, staff_client, monkeypatch):
    from portal.review import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    cohort = make_cohort()
    ids = [make_submitted(cohort) for _ in range(3)]
    client = staff_client(reviewer)
    assert _queue(client) == ids[::-1][:2]  # the most recent first
    assert _queue(client, page=2) == ids[::-1][2:]
