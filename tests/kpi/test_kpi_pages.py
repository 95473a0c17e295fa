"""The KPI report page: who may read it, what it shows, and a bad date or target answered with
the form and its message (400), never a 500."""
from __future__ import annotations

import re

import pytest
from kpi_helpers import staff_client
from pages import structure_problems
from support import login

from portal.core.i18n import today_jst

PAGE = "/staff/kpi/"


@pytest.mark.usefixtures("dataset")
@pytest.mark.parametrize("role", ["reviewer", "secretariat", "city"])
def test_staff_read_the_report(app, make_user, role):
    client = staff_client(app, make_user(role))
    response = client.get(PAGE, query_string={"as_of": "2024-03-31"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert structure_problems(html) == []
    assert re.search(r'id="progress">0\.5 %<', html)  # 4 / 850
    assert re.search(r'id="active-total">7<', html)
    assert re.search(r'id="active-in-city">4 \(57\.1 %\)<', html)
    assert 'id="cohort-3"' in html and 'id="cohort-4"' not in html  # decided after the report date
    # The chart is inline SVG with a title and a description, in the font the PDF embeds.
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title " in svg and "<desc " in svg
    assert 'font-family="IPAexGothic' in svg
    assert "Target 850</text>" in svg  # over fiscal 2023's bar
    assert "style=" not in svg  # the CSP allows no inline styles
    # The downloads ask for the same report.
    for fmt in ("pdf", "csv", "xlsx", "json"):
        assert f'href="/staff/kpi/report.{fmt}?as_of=2024-03-31"' in html
    assert ('id="manage-targets"' in html) == (role == "city")  # the city keeps the targets


def test_the_default_date_is_today_in_japan(app, make_user):
    client = staff_client(app, make_user("reviewer"))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert f'href="/staff/kpi/report.csv?as_of={today_jst().isoformat()}"' in response.get_data(as_text=True)


def test_the_page_is_japanese_by_default(app, make_user):
    client = staff_client(app, make_user("reviewer"), english=False)
    html = client.get(PAGE, query_string={"as_of": "2024-03-31"}).get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "令和6年3月31日" in html


@pytest.mark.parametrize("role", ["applicant", "partner"])
def test_others_may_not(app, make_user, role):
    client = app.test_client()
    login(client, make_user(role, partner="bank-x" if role == "partner" else None))
    for path in (PAGE, "/staff/kpi/report.csv", "/staff/kpi/report.pdf", "/staff/kpi/targets"):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("args", "message"), [
    ({"as_of": "2024-13-45"}, "Enter a date (e.g. 2026-12-20)."),
    ({"as_of": "yesterday"}, "Enter a date (e.g. 2026-12-20)."),
    ({"as_of": "2024-02-30"}, "Enter a date (e.g. 2026-12-20)."),
    ({"as_of": "1800-01-01"}, "Enter a date between 2000-01-01 and 2100-12-31."),
    ({"as_of": "9999-12-31"}, "Enter a date between 2000-01-01 and 2100-12-31."),
    ({"target": "2030"}, "There is no target for this fiscal year."),
    ({"target": "abc"}, "There is no target for this fiscal year."),
])
@pytest.mark.parametrize("path", [PAGE, "/staff/kpi/report.csv", "/staff/kpi/report.pdf", "/staff/kpi/report.json"])
def test_a_bad_date_or_target_shows_the_form_with_its_message(app, make_user, args, message, path):
    client = staff_client(app, make_user("reviewer"))
    response = client.get(path, query_string=args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert message in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert "<svg" not in html  # no report for a question that was not understood
    assert structure_problems(html) == []


def test_full_width_digits_and_slashes_are_a_date(app, make_user):
    client = staff_client(app, make_user("reviewer"))
    response = client.get(PAGE, query_string={"as_of": "２０２４/０３/３１"})
    assert response.status_code == 200
    assert 'href="/staff/kpi/report.csv?as_of=2024-03-31"' in response.get_data(as_text=True)
