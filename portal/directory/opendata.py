"""The open data files of the directory: registrants.csv and registrants.json.

Both are streamed from one query (`queries.listed_registrants`, without filters) over a
connection of their own (`exports.query_rows`): memory and queries stay the same for ten
registrants or ten thousand. The JSON's count comes with the rows (a window count), so the
metadata and the array always agree.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import func

from portal.core.exports import export_response, query_rows
from portal.core.links import external_url
from portal.directory import queries

TITLE = "熊本県SDGs登録制度 登録事業者一覧"
PUBLISHER = "熊本県"
LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
ATTRIBUTION = TITLE
# The set changes at most once a day (JST midnight) and with single withdrawals, revocations or
# accepted change notices: five minutes in a shared cache keeps a burst of downloads off the database without
# keeping a withdrawn registrant public for long.
CACHE_CONTROL = "public, max-age=300"
# Records per chunk of the streamed JSON (as exports.CSV_CHUNK_ROWS for the CSV).
JSON_CHUNK_ROWS = 500


def csv_response(day: date) -> Response:
    """registrants.csv: UTF-8 with a BOM, CRLF, a header row of the field names."""
    def record(row: Any) -> dict[str, Any]:
        data = queries.Registrant.from_row(row).open_data()
        return {**data, "goals": ";".join(str(goal) for goal in data["goals"])}

    rows = query_rows(queries.listed_registrants(day), record)
    response = export_response("registrants", [(name, name) for name in queries.FIELDS], rows, "csv")
    return _public(response)


def json_response(day: date) -> Response:
    """registrants.json: {"metadata": {...}, "registrants": [...]}."""
    statement = queries.listed_registrants(day).add_columns(func.count().over().label("total"))
    rows = query_rows(statement, lambda row: (row.total, queries.Registrant.from_row(row).open_data()))
    response = Response(json_chunks(metadata(day), rows), mimetype="application/json")
    return _public(response)


def metadata(day: date) -> dict[str, Any]:
    """Who publishes the data, under which licence, as of which day (JST); `json_chunks` adds
    the count."""
    return {
        "title": TITLE,
        "publisher": PUBLISHER,
        "license": {"name": LICENSE, "url": LICENSE_URL},
        "attribution": ATTRIBUTION,
        "source": external_url("directory.opendata"),
        "generated_on": day.isoformat(),
        "count": None,
        "fields": list(queries.FIELDS),
    }


def json_chunks(meta: dict[str, Any], rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[bytes]:
    """The JSON document a few hundred records at a time; the metadata's count is taken from
    the first row (0 without rows)."""
    iterator = iter(rows)
    first = next(iterator, None)
    head = {**meta, "count": first[0] if first else 0}
    yield ('{"metadata": ' + _dump(head) + ', "registrants": [').encode("utf-8")
    if first is None:
        yield b"]}\n"
        return
    parts = ["\n" + _dump(first[1])]
    for _total, record in iterator:
        parts.append(",\n" + _dump(record))
        if len(parts) >= JSON_CHUNK_ROWS:
            yield "".join(parts).encode("utf-8")
            parts = []
    parts.append("\n]}\n")
    yield "".join(parts).encode("utf-8")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = CACHE_CONTROL
    # Open data: a web page elsewhere may fetch it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
