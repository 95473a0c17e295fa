"""The city's targets page (Kumamoto City's staff keep the targets of the city's KPI): list, add, change, remove; bad input refused with a clear
message and status 400, nothing stored."""
from __future__ import annotations

import html

import pytest
from kpi_helpers import staff_client
from pages import structure_problems
from sqlalchemy import func, select
from support import csrf_token

from portal.core.extensions import db
from portal.kpi.models import KpiTarget

PAGE = "/staff/kpi/targets"


def _stored(app) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(select(KpiTarget.fiscal_year, KpiTarget.value)).all())


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _post(client, **data):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **data})


def test_the_page_lists_the_plans_target(app, make_user):
    client = staff_client(app, make_user("city"))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = _text(response)
    assert structure_problems(page) == []
    assert 'id="target-2023"' in page and "850" in page
    assert "The city's SDGs Future City Plan (built in)" in page
    assert "/staff/kpi/targets/2023/delete" not in page  # nothing stored to remove


def test_add_change_and_remove_a_target(app, make_user):
    client = staff_client(app, make_user("city"))
    response = _post(client, fiscal_year="2026", value="1100", note="第3次計画")
    assert response.status_code == 302
    assert _stored(app) == {2026: 1100}
    page = _text(client.get(PAGE))
    assert "The target for fiscal 2026 is now 1,100." in page and "第3次計画" in page

    # Changing: the form opens with the present value; full-width digits are fine.
    form = client.get(PAGE, query_string={"year": "2026"}).get_data(as_text=True)
    assert 'value="1100"' in form
    assert _post(client, fiscal_year="２０２６", value="１２００", note="").status_code == 400  # a target says where it comes from
    assert _stored(app) == {2026: 1100}
    assert _post(client, fiscal_year="２０２６", value="１２００", note="第3次計画（改定）").status_code == 302
    assert _stored(app) == {2026: 1200}

    # The report measures against it once fiscal 2023 is over.
    report = client.get("/staff/kpi/report.json", query_string={"as_of": "2024-09-01"}).get_json()
    assert (report["target"], report["target_fiscal_year"]) == (1200, 2026)
    # …unless the reader chooses another one; the downloads then ask for the same.
    page = _text(client.get("/staff/kpi/", query_string={"as_of": "2024-09-01", "target": "2023"}))
    assert "End of Fiscal 2023: " in page and " / 850 (" in page
    assert 'href="/staff/kpi/report.pdf?as_of=2024-09-01&target=2023"' in page
    assert '<option selected value="2023">' in page

    token = csrf_token(client, PAGE)
    assert client.post("/staff/kpi/targets/2026/delete", data={"csrf_token": token}).status_code == 302
    assert _stored(app) == {}
    assert "The target for fiscal 2026 was removed." in _text(client.get(PAGE))


def test_the_plans_target_may_be_changed_and_restored_but_not_removed(app, make_user):
    client = staff_client(app, make_user("city"))
    token = csrf_token(client, PAGE)
    client.post("/staff/kpi/targets/2023/delete", data={"csrf_token": token})
    assert "comes from the city's plan and cannot be removed" in _text(client.get(PAGE))

    assert _post(client, fiscal_year="2023", value="900", note="熊本市SDGs未来都市計画の改定").status_code == 302
    assert _stored(app) == {2023: 900}
    assert "Replaces the plan's 850." in _text(client.get(PAGE))
    client.post("/staff/kpi/targets/2023/delete", data={"csrf_token": token})
    assert _stored(app) == {}
    assert "The target for fiscal 2023 is the city plan's 850 again." in _text(client.get(PAGE))


@pytest.mark.parametrize(("data", "message"), [
    ({"fiscal_year": "2026", "value": "0"}, "The target must be a whole number of at least 1"),
    ({"fiscal_year": "2026", "value": "-850"}, "The target must be a whole number of at least 1"),
    ({"fiscal_year": "2026", "value": "1000001"}, "The target must be a whole number of at least 1"),
    ({"fiscal_year": "2026", "value": "eight hundred"}, "Enter a whole number (e.g. 3)."),
    ({"fiscal_year": "2026", "value": "850.5"}, "Enter a whole number (e.g. 3)."),
    ({"fiscal_year": "2026", "value": ""}, "Enter the target."),
    ({"fiscal_year": "1999", "value": "850"}, "The fiscal year must be between 2000 and 2100."),
    ({"fiscal_year": "2101", "value": "850"}, "The fiscal year must be between 2000 and 2100."),
    ({"fiscal_year": "FY2026", "value": "850"}, "Enter a whole number (e.g. 3)."),
    ({"fiscal_year": "", "value": "850"}, "Enter the fiscal year (e.g. 2026)."),
    ({"fiscal_year": "2026", "value": "850", "note": "x" * 501}, "At most 500 characters."),
    ({"fiscal_year": "2026", "value": "850", "note": "  "}, "Say where the target comes from: the plan or decision that sets it."),
    ({"fiscal_year": "2026", "value": "850", "note": "a\x00b"}, "Contains characters that cannot be used."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(app, make_user, data, message):
    client = staff_client(app, make_user("city"))
    response = _post(client, **{"note": "", **data})
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    assert structure_problems(page) == []
    assert _stored(app) == {}
    # What was typed is shown back.
    if data["value"]:
        assert f'value="{data["value"]}"' in page


def test_a_stale_token_keeps_what_was_typed(app, make_user):
    client = staff_client(app, make_user("city"))
    response = client.post(PAGE, data={"csrf_token": "stale", "fiscal_year": "2026", "value": "1100"})
    assert response.status_code == 400
    assert 'value="1100"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KpiTarget)) == 0


@pytest.mark.parametrize("role", ["reviewer", "secretariat"])
def test_the_prefectures_staff_read_the_report_but_do_not_manage_targets(app, make_user, role):
    client = staff_client(app, make_user(role))
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/staff/kpi/")
    assert client.post(PAGE, data={"csrf_token": token, "fiscal_year": "2026", "value": "1"}).status_code == 403
    assert client.post("/staff/kpi/targets/2023/delete", data={"csrf_token": token}).status_code == 403
    assert _stored(app) == {}


def test_fiscal_years_read_in_wareki_on_japanese_pages(app, make_user):
    """The city reports by 和暦 fiscal year: 令和5年度 on the Japanese targets page, "Fiscal 2023"
    in English."""
    client = staff_client(app, make_user("city"))
    japanese = _text(client.get(f"{PAGE}?lang=ja"))
    assert "令和5年度" in japanese and "2023年度" not in japanese
    english = _text(client.get(f"{PAGE}?lang=en"))
    assert "Fiscal 2023" in english and "令和5年度" not in english
