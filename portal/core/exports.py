"""Tabular downloads (CSV and XLSX) from one description of the table.

A view describes its table once — `columns` as (key, header) pairs and `rows` as an iterable of
dicts — and `export_response` turns it into a download in the format asked for:

    yes = _("Yes")  # translate here, in the view: a CSV's rows are read after it returned
    rows = query_rows(select(Organisation.id, Organisation.name, Organisation.in_city),
                      lambda row: {"id": row.id, "name": row.name, "in_city": yes if row.in_city else ""})
    return export_response("organisations", [("id", _("No.")), ("name", _("Name")), …], rows, fmt)

Both formats get the same cell values, so a CSV and an XLSX of the same rows never disagree.

- CSV is UTF-8 with a BOM and CRLF line ends: without the BOM, Excel in Japan reads a CSV as
  Shift_JIS and turns every Japanese name into mojibake; CRLF is what RFC 4180 and Excel expect.
  It is streamed: rows are read and written a few hundred at a time, so an export of the whole
  register costs the same memory as one of ten rows.
- XLSX is written by xlsxwriter in constant-memory mode to a temporary file (not to a BytesIO,
  which would hold the whole workbook in memory), with a bold, frozen header row.
- Every text cell that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return)
  gets a leading apostrophe (OWASP "CSV injection"): names, notes and addresses are typed by
  applicants, and an export is opened by staff on their own machines. Numbers stay numbers.
- The file name is sent both as an ASCII fallback and as an RFC 5987 UTF-8 `filename*`, so a
  Japanese name survives in every current browser.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from flask import Response, send_file

from portal.core.i18n import JST

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP's list of characters that make a spreadsheet start a formula (or split a cell).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk of a streamed CSV: large enough that the WSGI server is not handed thousands
# of tiny writes, small enough that memory does not grow with the export.
CSV_CHUNK_ROWS = 500
BOM = "\ufeff"

DATETIME_TEXT = "%Y-%m-%d %H:%M"
DATE_TEXT = "%Y-%m-%d"
# Excel's number formats for the same values (XLSX keeps dates as dates: sortable, filterable).
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

Columns = Sequence[tuple[str, str]]


def export_response(filename_stem: str, columns: Columns, rows: Iterable[dict[str, Any]],
                    fmt: str) -> Response:
    """A download of `rows` as `<filename_stem>.csv` or `.xlsx`.

    `columns` lists (key, header) pairs in order; each row is a dict read by those keys (a
    missing key is an empty cell). Headers may be lazy strings: they are rendered now, in the
    request's language. Values may be text, numbers (int, float, Decimal: numeric cells),
    booleans, dates or datetimes (an aware datetime is shown in JST) or None (empty).

    `rows` may be lazy. The XLSX reads it all before answering; the CSV reads it while the
    body is sent, after the view has returned — outside the request, its session already
    closed — so for a CSV `rows` must need neither: use `query_rows` for a database query, and
    translate in the view. (An error midway can then only cut the download short: the status
    line has gone out.) Raises ValueError for a format other than "csv" or "xlsx", and for an
    XLSX of more rows than a worksheet holds.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    headers = [str(header) for _key, header in columns]
    keys = [key for key, _header in columns]
    filename = f"{filename_stem}.{fmt}"
    if fmt == "csv":
        response = _csv_response(keys, headers, rows)
    else:
        response = _xlsx_response(keys, headers, rows, filename_stem)
    response.headers["Content-Disposition"] = content_disposition(filename)
    # Exports carry applicants' details: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- cell values -----------------------------------------------------------------------------

def is_number(value: Any) -> bool:
    """True for the values written as numeric cells (bool is an int, but not a number here)."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def safe_text(text: str) -> str:
    """`text`, with a leading apostrophe if a spreadsheet would otherwise run it as a formula.

    The apostrophe is what Excel itself uses to mean "this is text", so the cell shows the
    original text and nobody's formula runs. Full-width ＝＋－＠ (what a Japanese input method
    types) are treated the same, after NFKC: cheap insurance, since spreadsheet applications
    differ in how they normalise input.
    """
    if not text:
        return text
    first = unicodedata.normalize("NFKC", text[0])[:1]
    if text[0] in FORMULA_PREFIXES or first in FORMULA_PREFIXES:
        return "'" + text
    return text


def cell_value(value: Any) -> Any:
    """The value both formats write for `value`: numbers, booleans and naive date/datetimes
    (JST wall-clock time) are kept; everything else becomes guarded text."""
    if value is None:
        return ""
    if isinstance(value, bool) or is_number(value):
        return value
    if isinstance(value, datetime):
        # Stored in UTC; staff read and filter by the Japanese clock. Excel has no time zones.
        return value.astimezone(JST).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return safe_text(str(value))


def _csv_text(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime(DATETIME_TEXT)
    if isinstance(value, date):
        return value.strftime(DATE_TEXT)
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # NaN and infinities have no spreadsheet meaning; an empty cell is honest
    return value


# --- rows from the database ------------------------------------------------------------------

def query_rows(statement, convert: Callable[[Any], dict[str, Any]], batch: int = CSV_CHUNK_ROWS) -> Iterator[dict]:
    """The rows of a Core/ORM column `statement`, each passed through `convert`, read in batches
    over a database connection of their own (a server-side cursor on PostgreSQL).

    Made for streamed exports: the connection is opened when the first row is asked for and
    closed after the last one, or when the download is abandoned (the generator is closed), so
    it does not depend on the request's session, which is gone by the time a CSV body is read.
    Call it inside the view (it takes the engine from the app); `convert` must not need the
    request either: look up translated labels in the view and close over them.
    """
    from portal.core.extensions import db

    engine = db.engine

    def generate() -> Iterator[dict]:
        with engine.connect() as connection:
            result = connection.execution_options(yield_per=batch).execute(statement)
            for row in result:
                yield convert(row)

    return generate()


# --- CSV -------------------------------------------------------------------------------------

def _csv_response(keys: list[str], headers: list[str], rows: Iterable[dict[str, Any]]) -> Response:
    # Not wrapped in stream_with_context: that keeps the request context pushed from the moment
    # the response is made until its body has been read to the end. A client that never reads
    # it (a test client checking the status, say) leaves the context pushed, and when the
    # generator is finally collected, popping it resets the context of whatever request is
    # running then (its session is removed under it). The rows bring their own connection
    # instead (query_rows).
    body = _csv_chunks(keys, headers, rows)
    return Response(body, mimetype=CSV_MIMETYPE, content_type=f"{CSV_MIMETYPE}; charset=utf-8")


def _csv_chunks(keys: list[str], headers: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """BOM and header first, then the rows a chunk at a time; one small buffer, reused."""
    buffer = io.StringIO()
    # QUOTE_MINIMAL: numbers go out bare, so a spreadsheet reads them as numbers.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(safe_text(header) for header in headers)
    pending = 0
    yield (BOM + _drain(buffer)).encode("utf-8")
    for row in rows:
        writer.writerow(_csv_text(row.get(key)) for key in keys)
        pending += 1
        if pending >= CSV_CHUNK_ROWS:
            yield _drain(buffer).encode("utf-8")
            pending = 0
    if pending:
        yield _drain(buffer).encode("utf-8")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- XLSX ------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _xlsx_response(keys: list[str], headers: list[str], rows: Iterable[dict[str, Any]], stem: str) -> Response:
    import xlsxwriter  # only the XLSX downloads need it

    # A private directory for the workbook and xlsxwriter's own temporary files (one per sheet
    # in constant-memory mode, one per part while zipping): removing it removes them all, also
    # when the rows fail halfway.
    workdir = tempfile.mkdtemp(prefix="portal-export-")
    path = os.path.join(workdir, "export.xlsx")
    try:
        workbook = xlsxwriter.Workbook(path, {
            # Rows are flushed to disk as they are written and the zip is assembled from temp
            # files: memory stays flat however many rows there are.
            "constant_memory": True, "in_memory": False, "tmpdir": workdir,
            # Our own strings only ever become string cells (see below); this is a second lock
            # on the door should anyone call `write` on this workbook later.
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True,
        })
        _write_sheet(workbook, keys, headers, rows, stem)
        workbook.close()
        file = open(path, "rb")  # noqa: SIM115 (closed with the response)
        size = os.fstat(file.fileno()).st_size
    finally:
        # Removing an open file keeps its data readable until the handle is closed (after the
        # response is sent), and nothing is left behind if the client goes away midway.
        shutil.rmtree(workdir, ignore_errors=True)
    response = send_file(file, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=f"{_ascii_name(stem)}.xlsx",
                         conditional=False, etag=False)
    response.content_length = size
    if os.path.exists(workdir):  # a system that refuses to remove open files (Windows)
        response.call_on_close(lambda: shutil.rmtree(workdir, ignore_errors=True))
    return response


def _write_sheet(workbook, keys: list[str], headers: list[str], rows: Iterable[dict[str, Any]], stem: str) -> None:
    sheet = workbook.add_worksheet(_sheet_name(stem))
    bold = workbook.add_format({"bold": True})
    datetimes = workbook.add_format({"num_format": DATETIME_FORMAT})
    dates = workbook.add_format({"num_format": DATE_FORMAT})
    for column, header in enumerate(headers):
        # Column widths from the header (constant-memory mode cannot look at later rows):
        # wide characters count double, as they take two columns' room on screen.
        sheet.set_column(column, column, max(10, min(50, _display_width(header) + 2)))
        sheet.write_string(0, column, safe_text(header), bold)
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        if number > XLSX_MAX_ROWS:
            # xlsxwriter would silently drop the rest: a short file that looks complete is worse.
            raise ValueError(f"more than {XLSX_MAX_ROWS} rows do not fit in one worksheet; export CSV instead")
        for column, key in enumerate(keys):
            value = cell_value(row.get(key))
            if isinstance(value, str) and not value:
                continue  # an empty cell: nothing to write
            if isinstance(value, bool):
                sheet.write_boolean(number, column, value)
            elif is_number(value):
                sheet.write_number(number, column, float(value) if isinstance(value, Decimal) else value)
            elif isinstance(value, datetime):
                sheet.write_datetime(number, column, value, datetimes)
            elif isinstance(value, date):
                sheet.write_datetime(number, column, value, dates)
            else:
                # write_string, never write(): write() turns a string starting with "=" into
                # a formula. A string cell is never evaluated, whatever it starts with.
                sheet.write_string(number, column, value)


def _sheet_name(stem: str) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\, not empty."""
    name = _SHEET_FORBIDDEN.sub("_", stem).strip("'")[:31]
    return name or "Sheet1"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


# --- the file name ---------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')


def _clean_name(filename: str) -> str:
    # No path separators, quotes or control characters: the name ends up on someone's disk
    # and inside a header.
    return _UNSAFE_NAME.sub("_", filename).strip() or "export"


def _ascii_name(filename: str) -> str:
    """An ASCII stand-in for browsers that ignore `filename*` (accents dropped, kanji gone)."""
    simple = unicodedata.normalize("NFKD", _clean_name(filename)).encode("ascii", "ignore").decode("ascii")
    simple = re.sub(r"[^A-Za-z0-9._-]+", "_", simple).strip("._-")
    return simple or "export"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and the real name as RFC 5987 `filename*`."""
    name = _clean_name(filename)
    stem, dot, extension = name.rpartition(".")
    fallback = f"{_ascii_name(stem)}.{extension}" if dot and stem else _ascii_name(name)
    # RFC 5987 attr-char: everything else is percent-encoded from UTF-8.
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
