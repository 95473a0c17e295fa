"""An applicant fills the steps, submits, is asked for corrections, resubmits."""
import re
import subprocess
import shutil

from sqlalchemy import select

from support import csrf_token, require_or_skip
from portal.applications.models import Application, ApplicationRevision
from portal.core.extensions import db


def post_step(client, application_id, step, data, go="next"):
    path = f"/applications/{application_id}/steps/{step}"
    return client.post(path, data={**data, "go": go, "csrf_token": csrf_token(client, path)})


def stored(app, application_id):
    with app.app_context():
        application = db.session.get(Application, application_id)
        db.session.expunge(application)
        return application


def revisions(app, application_id):
    with app.app_context():
        rows = db.session.scalars(select(ApplicationRevision).where(ApplicationRevision.application_id == application_id)
                                  .order_by(ApplicationRevision.number)).all()
        db.session.expunge_all()
        return rows


def fill_everything(client, application_id):
    assert post_step(client, application_id, "vision", {"vision": "地域とともに成長する。"}).status_code == 302
    actions = {}
    for index, (area, goal, target) in enumerate((("economy", "8", "8.5"), ("society", "5", "5.5"),
                                                  ("environment", "13", "7.2"))):
        actions.update({f"actions-{index}-area": area, f"actions-{index}-description": f"取組{index}",
                        f"actions-{index}-goals": goal, f"actions-{index}-targets": target,
                        f"actions-{index}-indicator": "CO2排出量", f"actions-{index}-unit": "t",
                        f"actions-{index}-current_value": "１２０．５", f"actions-{index}-target_value": "60"})
    assert post_step(client, application_id, "actions", actions).status_code == 302
    checklist = {f"basic_B{n:02d}": "y" for n in range(1, 26)}
    checklist.update({f"challenge_C{n:02d}": "y" for n in (1, 6, 11, 14, 16)})
    assert post_step(client, application_id, "checklist", checklist).status_code == 302
    declarations = {k: "y" for k in ("vision_and_actions", "no_unpaid_taxes", "no_organised_crime",
                                     "lawful_conduct", "public_listing")}
    assert post_step(client, application_id, "declarations", declarations).status_code == 302


def test_fill_submit_return_and_resubmit(app, client, applicant, make_cohort, mails):
    make_cohort()
    token = csrf_token(client, "/applications/new")
    cohort_id = re.search(r'<option[^>]*value="(\d+)"', client.get("/applications/new").get_data(as_text=True)).group(1)
    response = client.post("/applications/new", data={"cohort_id": cohort_id, "csrf_token": token})
    application_id = int(re.search(r"/applications/(\d+)/steps/profile", response.headers["Location"]).group(1))

    confirm = client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True)
    assert "2030年のあるべき姿がまだ書かれていません" in confirm
    assert 'href="/applications/%d/steps/vision#vision"' % application_id in confirm

    fill_everything(client, application_id)
    application = stored(app, application_id)
    assert application.content["actions"][2]["goals"] == [7, 13]  # target 7.2 brings goal 7
    assert application.content["actions"][0]["current_value"] == "120.5"  # full-width digits normalised

    confirm = client.get(f"/applications/{application_id}/steps/confirm").get_data(as_text=True)
    assert "まだ入力されていない項目" not in confirm
    response = client.post(f"/applications/{application_id}/submit",
                           data={"csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")})
    assert response.status_code == 302
    status = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "受付済み" in status and "第1版" in status
    [mail] = [m for m in mails("owner@example.jp") if "受け付けました" in m.subject]
    assert f"/applications/{application_id}" in mail.body

    # A submitted application cannot be edited.
    assert post_step(client, application_id, "vision", {"vision": "書き換え"}).status_code == 409
    assert stored(app, application_id).content["vision"] == "地域とともに成長する。"

    # The secretariat returns it with a note on the vision step.
    from portal.accounts.models import User
    from portal.applications import operations

    with app.test_request_context():
        staff = User(email="staff@example.jp", name="職員", role="reviewer")
        db.session.add(staff)
        operations.return_for_correction(db.session.get(Application, application_id), "ビジョンを具体的に。",
                                         {"vision": "数値目標を入れてください。"}, None, staff)
        db.session.commit()
    status = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "修正依頼" in status and "ビジョンを具体的に。" in status
    vision_page = client.get(f"/applications/{application_id}/steps/vision").get_data(as_text=True)
    assert "数値目標を入れてください。" in vision_page
    assert "数値目標を入れてください。" not in client.get(f"/applications/{application_id}/steps/actions").get_data(as_text=True)

    post_step(client, application_id, "vision", {"vision": "2030年にCO2を半減する。"})
    response = client.post(f"/applications/{application_id}/submit",
                           data={"csrf_token": csrf_token(client, f"/applications/{application_id}/steps/confirm")})
    assert response.status_code == 302
    first, second = revisions(app, application_id)
    assert (first.number, second.number) == (1, 2)
    assert first.content["vision"] == "地域とともに成長する。"
    assert second.content["vision"] == "2030年にCO2を半減する。"
    assert first.content["profile"]["name"] == "株式会社テスト熊本" and len(second.content["actions"]) == 3
    for number, text in ((1, "地域とともに成長する。"), (2, "2030年にCO2を半減する。")):
        page = client.get(f"/applications/{application_id}/revisions/{number}").get_data(as_text=True)
        assert text in page


def submit(client, application_id):
    token = csrf_token(client, f"/applications/{application_id}/steps/confirm")
    return client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})


def test_the_application_copy_is_a_japanese_pdf(app, client, applicant, make_cohort, make_application,
                                               complete_content, tmp_path):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert submit(client, application_id).status_code == 302
    response = client.get(f"/applications/{application_id}/revisions/1/copy.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(response.data)
    require_or_skip(bool(shutil.which("pdffonts")), "poppler-utils (pdffonts) is not installed")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"IPAexGothic\s.*\byes\b", fonts) and re.search(r"IPAexMincho\s.*\byes\b", fonts)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "申請内容の控え" in text and "株式会社テスト熊本" in text and "environment の取組 1" in text
    assert client.get(f"/applications/{application_id}/revisions/2/copy.pdf").status_code == 404
