"""CSV and XLSX downloads (portal.core.exports): what Excel in Japan needs (BOM, CRLF),
Japanese text and file names, formula injection refused in both formats, numbers kept as
numbers, and a large CSV streamed rather than built in memory."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from portal.core import exports
from portal.core.exports import export_response

COLUMNS = [("id", "番号"), ("name", "団体名"), ("kana", "フリガナ"), ("amount", "金額")]
DANGEROUS = ["=1+1", "+81-96-000", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd"]


def _body(response) -> bytes:
    response.direct_passthrough = False  # send_file's file wrapper, read here as a whole
    return response.get_data()


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"), newline="")))


def _sheet(response):
    return load_workbook(io.BytesIO(_body(response))).active


# --- CSV -------------------------------------------------------------------------------------

def test_csv_has_a_bom_crlf_line_ends_and_its_content_type(ctx):
    response = export_response("queue", COLUMNS, [{"id": 1, "name": "熊本商事", "kana": "クマモトショウジ",
                                                   "amount": 10}], "csv")
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel in Japan reads UTF-8 only with a BOM
    assert body.count(b"\r\n") == 2 and b"\n" not in body.replace(b"\r\n", b"")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_japanese_round_trips_through_the_csv(ctx):
    rows = [{"id": 1, "name": "株式会社くまモン㈱（熊本）", "kana": "カブシキガイシャクマモン", "amount": 1_200},
            {"id": 2, "name": "改行\nと「引用符\"」", "kana": "ｶﾀｶﾅ", "amount": None}]
    assert _csv_rows(export_response("一覧", COLUMNS, rows, "csv")) == [
        ["番号", "団体名", "フリガナ", "金額"],
        ["1", "株式会社くまモン㈱（熊本）", "カブシキガイシャクマモン", "1200"],
        ["2", "改行\nと「引用符\"」", "ｶﾀｶﾅ", ""],
    ]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_cells_that_would_be_formulas_get_an_apostrophe(ctx, text):
    rows = _csv_rows(export_response("x", [("a", "A"), ("b", "B")], [{"a": text, "b": "普通の文字"}], "csv"))
    assert rows[1] == ["'" + text, "普通の文字"]


def test_full_width_formula_signs_are_guarded_and_ordinary_text_is_not(ctx):
    rows = _csv_rows(export_response("x", [("a", "A")], [{"a": "＝１＋１"}, {"a": "a=b"}, {"a": "熊本-八代"},
                                                         {"a": "'quoted"}], "csv"))
    assert [r[0] for r in rows[1:]] == ["'＝１＋１", "a=b", "熊本-八代", "'quoted"]


def test_csv_numbers_are_written_bare_even_when_negative(ctx):
    rows = _csv_rows(export_response("x", [("n", "N"), ("f", "F"), ("d", "D"), ("t", "T")],
                                     [{"n": -5, "f": 2.5, "d": Decimal("1.10"), "t": "-5"}], "csv"))
    assert rows[1] == ["-5", "2.5", "1.10", "'-5"]  # only the text "-5" is guarded


def test_dates_and_times_are_written_in_jst(ctx):
    at = datetime(2026, 4, 30, 15, 30, tzinfo=UTC)  # 1 May 00:30 in Japan
    rows = _csv_rows(export_response("x", [("at", "At"), ("on", "On"), ("yes", "Yes")],
                                     [{"at": at, "on": date(2026, 5, 1), "yes": True}], "csv"))
    assert rows[1] == ["2026-05-01 00:30", "2026-05-01", "TRUE"]
    sheet = _sheet(export_response("x", [("at", "At"), ("on", "On")], [{"at": at, "on": date(2026, 5, 1)}], "xlsx"))
    assert sheet["A2"].value == datetime(2026, 5, 1, 0, 30) and sheet["A2"].is_date
    assert sheet["B2"].value == datetime(2026, 5, 1) and sheet["B2"].is_date


def test_an_empty_csv_export_has_the_header_only(ctx):
    body = _body(export_response("x", COLUMNS, [], "csv"))
    assert body == "\ufeff番号,団体名,フリガナ,金額\r\n".encode()


def test_a_large_csv_is_streamed_not_built_in_memory(ctx):
    read = 0

    def rows():
        nonlocal read
        for n in range(20_000):
            read += 1
            yield {"id": n, "name": f"団体{n}", "kana": "ダンタイ", "amount": n * 10}

    response = export_response("large", COLUMNS, rows(), "csv")
    assert response.is_streamed
    assert read == 0  # nothing read before the server asks for the body
    chunks = iter(response.response)
    assert next(chunks).startswith("\ufeff番号".encode())  # the header comes first, alone
    first = next(chunks)
    assert read <= exports.CSV_CHUNK_ROWS + 1  # one chunk's rows read, not all 20,000
    assert first.count(b"\r\n") == exports.CSV_CHUNK_ROWS
    rest = b"".join(chunks)
    assert read == 20_000
    lines = (first + rest).decode("utf-8").split("\r\n")
    assert len(lines) == 20_000 + 1 and lines[-2] == "19999,団体19999,ダンタイ,199990"


# --- XLSX ------------------------------------------------------------------------------------

def test_xlsx_has_a_bold_frozen_header_and_the_rows(ctx):
    response = export_response("一覧", COLUMNS, [{"id": 1, "name": "熊本商事", "kana": "クマモトショウジ",
                                                  "amount": 1200}], "xlsx")
    assert response.mimetype == exports.XLSX_MIMETYPE
    body = _body(response)
    assert response.content_length == len(body)
    sheet = load_workbook(io.BytesIO(body)).active
    assert [c.value for c in sheet[1]] == ["番号", "団体名", "フリガナ", "金額"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]] == [1, "熊本商事", "クマモトショウジ", 1200]


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_cells_that_would_be_formulas_are_text_with_an_apostrophe(ctx, text):
    response = export_response("x", [("a", "A"), ("b", "B")], [{"a": text, "b": "=HYPERLINK(\"http://x\")"}], "xlsx")
    body = _body(response)
    sheet = load_workbook(io.BytesIO(body)).active
    for cell, original in ((sheet["A2"], text), (sheet["B2"], "=HYPERLINK(\"http://x\")")):
        assert cell.data_type == "s"  # a string cell: openpyxl reads a formula as "f"
        # (a carriage return is stored as OOXML's escape _x000D_, which Excel reads back as \r)
        assert cell.value.replace("_x000D_", "\r") == "'" + original
    with zipfile.ZipFile(io.BytesIO(body)) as archive:  # and no formula anywhere in the sheet
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_xlsx_numbers_stay_numeric(ctx):
    sheet = _sheet(export_response("x", [("n", "N"), ("f", "F"), ("d", "D"), ("t", "T"), ("b", "B")],
                                   [{"n": -5, "f": 2.5, "d": Decimal("1.25"), "t": "-5", "b": False}], "xlsx"))
    assert [c.data_type for c in sheet[2]] == ["n", "n", "n", "s", "b"]
    assert [c.value for c in sheet[2]] == [-5, 2.5, 1.25, "'-5", False]


def test_an_empty_xlsx_export_has_the_header_only(ctx):
    sheet = _sheet(export_response("x", COLUMNS, [], "xlsx"))
    assert sheet.max_row == 1 and [c.value for c in sheet[1]] == ["番号", "団体名", "フリガナ", "金額"]


def test_the_xlsx_temporary_file_is_removed(ctx, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = export_response("x", COLUMNS, [{"id": n} for n in range(100)], "xlsx")
    assert list(tmp_path.iterdir()) == []  # unlinked at once; the open handle still reads it
    assert _sheet(response).max_row == 101
    response.close()


def test_a_failing_xlsx_export_leaves_no_file(ctx, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield {"id": 1}
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        export_response("x", COLUMNS, rows(), "xlsx")
    assert list(tmp_path.iterdir()) == []


# --- both ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_the_file_name_is_sent_in_utf8_with_an_ascii_fallback(ctx, fmt):
    response = export_response("審査一覧-2026", COLUMNS, [], fmt)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="2026.{fmt}"' in disposition  # the kanji cannot be spelled in ASCII
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and unquote(encoded) == f"審査一覧-2026.{fmt}"
    assert disposition.count("Content-Disposition") == 0 and "\n" not in disposition


def test_a_file_name_cannot_break_out_of_its_header(ctx):
    disposition = exports.content_disposition('a"b\r\nX-Evil: 1/../c.csv')
    assert "\r" not in disposition and "\n" not in disposition and '"b' not in disposition
    assert "/" not in disposition.split("filename*=", 1)[1].replace("%2F", "")


def test_an_unknown_format_is_refused(ctx):
    with pytest.raises(ValueError):
        export_response("x", COLUMNS, [], "pdf")


def test_lazy_headers_are_rendered_in_the_request_language(app):
    from flask_babel import lazy_gettext as _l

    with app.test_request_context("/?lang=ja"):
        rows = _csv_rows(export_response("x", [("s", _l("Status"))], [], "csv"))
    assert rows == [["状態"]]


# --- rows from the database ------------------------------------------------------------------

def test_query_rows_reads_on_its_own_connection_after_the_request_is_gone(app, make_user):
    from sqlalchemy import select

    from portal.accounts.models import User

    ids = [make_user(email=f"export{n}@example.jp", name=f"=HYPERLINK({n})") for n in range(3)]
    with app.test_request_context():
        rows = exports.query_rows(select(User.id, User.name).order_by(User.id),
                                  lambda row: {"id": row.id, "name": row.name}, batch=2)
        response = export_response("users", [("id", "ID"), ("name", "Name")], rows, "csv")
    # The request (and its session) has ended: the body is read the way a server reads it.
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"), newline="")))
    assert rows == [["ID", "Name"], *([str(i), f"'=HYPERLINK({n})"] for n, i in enumerate(ids))]


def test_an_abandoned_download_gives_its_connection_back(app, make_user):
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.core.extensions import db

    for n in range(3):
        make_user(email=f"abandoned{n}@example.jp")
    with app.app_context():
        engine = db.engine
        rows = exports.query_rows(select(User.id), lambda row: {"id": row.id}, batch=1)
    assert next(rows) and engine.pool.checkedout() == 1  # reading: one connection of its own
    rows.close()  # what a server does when the client goes away
    assert engine.pool.checkedout() == 0
