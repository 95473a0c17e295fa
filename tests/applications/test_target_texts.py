"""SDG targets are chosen and read with their text (外務省 仮訳 in Japanese), never as bare
numbers: on the key-actions step, the confirmation page, the review page and the PDF copy."""
import re
import shutil
import subprocess

from pages import words
from support import csrf_token, login, require_or_skip
from portal.core.reference import sdgs


def test_every_target_can_be_chosen_by_its_text(client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    html = client.get(f"/applications/{application_id}/steps/actions?lang=ja").get_data(as_text=True)
    shown = words(html)
    for goal in sdgs.GOALS:
        for code in goal.targets:
            assert f"{code} {sdgs.target(code).text_ja}" in shown, code
    # Each target's checkbox is labelled by its code and text.
    label = re.search(r'<label for="(actions-0-targets-\d+)">(.*?)</label>', html, re.S)
    assert label and sdgs.target("1.1").text_ja in label.group(2)
    assert f'id="{label.group(1)}"' in html
    english = words(client.get(f"/applications/{application_id}/steps/actions?lang=en").get_data(as_text=True))
    assert f"8.3 {sdgs.target('8.3').text_en}" in english


def _choose_targets(client, application_id):
    path = f"/applications/{application_id}/steps/actions"
    data = {"go": "stay", "csrf_token": csrf_token(client, path)}
    for index, (area, targets) in enumerate((("economy", ["8.3", "8.b"]), ("society", ["5.5"]),
                                             ("environment", ["13.3"]))):
        data.update({f"actions-{index}-area": area, f"actions-{index}-description": f"取組{index}",
                     f"actions-{index}-targets": targets, f"actions-{index}-indicator": "指標",
                     f"actions-{index}-unit": "t", f"actions-{index}-current_value": "10",
                     f"actions-{index}-target_value": "5"})
    assert client.post(path, data=data).status_code == 302


CHOSEN = ("8.3", "8.b", "5.5", "13.3")


def test_the_chosen_targets_read_with_their_text_wherever_the_application_is_read(
        app, client, applicant, make_cohort, make_application, complete_content, make_user, tmp_path):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    _choose_targets(client, application_id)

    confirm = words(client.get(f"/applications/{application_id}/steps/confirm?lang=ja").get_data(as_text=True))
    for code in CHOSEN:
        assert f"{code} {sdgs.target(code).text_ja}" in confirm, code
    confirm_en = words(client.get(f"/applications/{application_id}/steps/confirm?lang=en").get_data(as_text=True))
    assert f"8.b {sdgs.target('8.b').text_en}" in confirm_en

    token = csrf_token(client, f"/applications/{application_id}/steps/confirm")
    assert client.post(f"/applications/{application_id}/submit", data={"csrf_token": token}).status_code == 302

    response = client.get(f"/applications/{application_id}/revisions/1/copy.pdf")
    assert response.status_code == 200
    require_or_skip(bool(shutil.which("pdftotext")), "poppler-utils (pdftotext) is not installed")
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(response.data)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    for code in CHOSEN:
        assert code + re.sub(r"\s+", "", sdgs.target(code).text_ja) in text.replace("　", ""), code

    login(client, make_user("reviewer"))
    review = words(client.get(f"/staff/review/{application_id}?lang=ja").get_data(as_text=True))
    for code in CHOSEN:
        assert f"{code} {sdgs.target(code).text_ja}" in review, code


def test_the_changes_between_revisions_name_targets_with_their_text(app, complete_content):
    from portal.applications.checklist import load_checklist
    from portal.review.diff import revision_diff

    old = complete_content()
    new = {**old, "actions": [dict(a) for a in old["actions"]]}
    new["actions"][0]["targets"] = ["8.1", "8.3"]  # 8.1 kept, 8.3 added
    with app.test_request_context():
        sections = revision_diff(old, new, load_checklist("1"), "ja")
    [change] = [c for s in sections for c in s.changes if "targets" in str(c.label).lower() or "ターゲット" in str(c.label)]
    assert f"<ins>8.3 {sdgs.target('8.3').text_ja}</ins>" in str(change.after)
    assert f"8.1 {sdgs.target('8.1').text_ja}" in str(change.before) and "<del>" not in str(change.before)
