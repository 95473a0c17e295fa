"""The report's downloads: CSV and XLSX (one table, a row per summary/cohort/ward/industry/goal,
the same cells in both), the PDF (IPAex embedded, the chart's labels in it) and the JSON."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from kpi_helpers import staff_client
from openpyxl import load_workbook
from support import require_or_skip

from portal.core.pdf import embedded_fonts
from portal.kpi.report import CONTRACT_KEYS, kpi_report

pytestmark = pytest.mark.usefixtures("dataset")

ARGS = {"as_of": "2024-03-31"}
HEADER = ["Part of the report", "Code", "Item", "Decision date", "Registered by the decision", "Of which in the city",
          "Share in the city", "Registered, cumulative", "In the city, cumulative", "Active on the report date",
          "Active in the city", "Target", "Progress"]


@pytest.fixture
def client(app, make_user):
    return staff_client(app, make_user("reviewer"))


def _csv(client) -> list[list[str]]:
    response = client.get("/staff/kpi/report.csv", query_string=ARGS)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "kpi-report-2024-03-31.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body  # BOM for Excel, CRLF
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_csv_has_every_part_of_the_report(client):
    rows = _csv(client)
    assert rows[0] == HEADER
    assert rows[1] == ["Summary", "2024-03-31", "As of 2024-03-31; target for fiscal 2023", "", "", "", "0.5714",
                       "", "", "7", "4", "850", "0.0047"]
    sections = [row[0] for row in rows[1:]]
    assert sections == (["Summary"] + ["Cohort"] * 3 + ["Fiscal year"] * 4 + ["Ward"] * 5 + ["Industry"] * 20
                        + ["SDG goal"] * 17)
    assert rows[2] == ["Cohort", "1", "Cohort 1", "2020-12-01", "2", "1", "0.5", "2", "1", "", "", "", ""]
    assert rows[4] == ["Cohort", "3", "Cohort 3", "2022-01-20", "4", "2", "0.5", "11", "6", "", "", "", ""]
    # Each fiscal year: decided in it, cumulative, active on its last day (the current one: the report date).
    assert rows[5] == ["Fiscal year", "2020", "Fiscal 2020; active on 2021-03-31", "", "2", "", "0.5", "2", "",
                       "2", "1", "", ""]
    assert rows[8] == ["Fiscal year", "2023", "Fiscal 2023; active on 2024-03-31", "", "0", "", "0.5714", "11", "",
                       "7", "4", "850", "0.0047"]
    wards = {row[1]: (row[2], row[9]) for row in rows if row[0] == "Ward"}
    assert wards["43105"] == ("Kumamoto City Kita Ward", "1") and wards["43102"][1] == "0"
    industries = {row[1]: (row[9], row[10]) for row in rows if row[0] == "Industry"}
    assert industries["D"] == ("2", "0") and industries["E"] == ("2", "1")
    goals = {row[1]: (row[2], row[9], row[10]) for row in rows if row[0] == "SDG goal"}
    assert goals["13"] == ("Climate Action", "3", "1")


def test_the_xlsx_has_the_same_cells(client):
    response = client.get("/staff/kpi/report.xlsx", query_string=ARGS)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    cells = [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
    rows = _csv(client)
    assert len(cells) == len(rows) and cells[0] == HEADER
    assert cells[1][9:] == [7, 4, 850, 0.0047]
    assert cells[2][3].date() == date(2020, 12, 1)  # a date cell, not text
    for sheet_row, csv_row in zip(cells[1:], rows[1:]):
        assert [str(v) if not hasattr(v, "date") else v.date().isoformat() for v in sheet_row] == csv_row


def test_the_json_is_the_whole_report(app, client):
    response = client.get("/staff/kpi/report.json", query_string=ARGS)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert tuple(data)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS
    with app.test_request_context():
        assert data == kpi_report(date(2024, 3, 31))


def _pdf_text(pdf: bytes, tmp_path) -> str:
    require_or_skip(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    path = tmp_path / "kpi.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_is_japanese_with_ipaex_and_the_chart(app, client, tmp_path):
    response = client.get("/staff/kpi/report.pdf", query_string=ARGS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "kpi-report-2024-03-31.pdf" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    assert "IPAexGothic" in embedded_fonts(pdf)
    text = _pdf_text(pdf, tmp_path)
    with app.test_request_context(), force_locale("ja"):
        # The chart's axis titles, legend, bar labels and target line, in the PDF's language.
        expected = [_("Registered entities in the city"), _("Fiscal year (day counted)"), "令和5年度",
                    _("Target %(target)s", target="850"), _("Active in the city at the fiscal year's end")]
    for label in expected:
        assert label in text, label
    assert "令和6年3月31日" in text  # the report date in the Japanese calendar
    assert "「熊本県SDGs登録制度」登録団体数(市内)" in text
