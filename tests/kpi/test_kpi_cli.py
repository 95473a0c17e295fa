"""`flask report kpi`: CONTRACT.md's JSON exactly, the CSV and PDF of the downloads, stdout or
--output, and a clear error (non-zero exit) for a bad date."""
from __future__ import annotations

import csv
import io
import json

import pytest
from flask_babel import force_locale
from kpi_helpers import FISCAL_YEARS_2024_03_31

from portal.kpi import presentation

pytestmark = pytest.mark.usefixtures("dataset")

EXPECTED = {
    "as_of": "2024-03-31", "target": 850, "target_fiscal_year": 2023,
    "cohorts": [
        {"number": 1, "decided_on": "2020-12-01", "registered": 2, "in_city": 1,
         "cumulative_registered": 2, "cumulative_in_city": 1},
        {"number": 2, "decided_on": "2021-08-25", "registered": 5, "in_city": 3,
         "cumulative_registered": 7, "cumulative_in_city": 4},
        {"number": 3, "decided_on": "2022-01-20", "registered": 4, "in_city": 2,
         "cumulative_registered": 11, "cumulative_in_city": 6},
    ],
    "active_total": 7, "active_in_city": 4, "progress": 0.0047,
    "fiscal_years": FISCAL_YEARS_2024_03_31,
}


def test_json_on_stdout_is_exactly_the_contract(runner):
    result = runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2024-03-31"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == EXPECTED
    assert list(data) == list(EXPECTED)  # the contract's keys, in its order, nothing more
    assert result.stdout.startswith('{\n  "as_of": "2024-03-31",\n')  # indent 2


def test_json_is_the_default_format_and_today_the_default_date(runner):
    from portal.core.i18n import today_jst

    result = runner.invoke(args=["report", "kpi"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == today_jst().isoformat()


def test_csv_on_stdout_is_the_download_in_japanese(app, runner):
    result = runner.invoke(args=["report", "kpi", "--format", "csv", "--as-of", "2024-03-31"])
    assert result.exit_code == 0, result.output
    body = result.stdout_bytes
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    with app.app_context(), force_locale("ja"):
        header = [str(title) for _key, title in presentation.export_columns()]
    assert rows[0] == header
    assert rows[1][9:] == ["7", "4", "850", "0.0047"]
    assert len(rows) == 1 + 1 + 3 + 4 + 5 + 20 + 17


def test_csv_in_english(runner):
    result = runner.invoke(args=["report", "kpi", "--format", "csv", "--as-of", "2024-03-31", "--lang", "en"])
    assert result.stdout_bytes.decode("utf-8-sig").startswith("Part of the report,Code,Item,")


def test_pdf_on_stdout_as_bytes(runner):
    result = runner.invoke(args=["report", "kpi", "--format", "pdf", "--as-of", "2024-03-31"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"%PDF-") and result.stdout_bytes.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("fmt", ["json", "csv", "pdf"])
def test_output_to_a_file(runner, tmp_path, fmt):
    path = tmp_path / f"kpi.{fmt}"
    result = runner.invoke(args=["report", "kpi", "--format", fmt, "--as-of", "2024-03-31", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing but the file
    assert str(path) in result.stderr
    content = path.read_bytes()
    if fmt == "json":
        assert json.loads(content) == EXPECTED
    elif fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
    else:
        assert content.startswith(b"%PDF-")


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2024-13-45"], "Invalid value for '--as-of'"),
    (["--as-of", "31/03/2024"], "Invalid value for '--as-of'"),
    (["--as-of", "1800-01-01"], "2000-01-01 and 2100-12-31"),
    (["--format", "xml"], "Invalid value for '--format'"),
    (["--target-year", "2030"], "Invalid value for '--target-year'"),
])
def test_bad_arguments_are_refused(runner, args, message):
    result = runner.invoke(args=["report", "kpi", *args])
    assert result.exit_code != 0
    assert message in result.output
