"""Pages of a list read in one query (the total comes with the rows), and LIKE patterns."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.forms import whole_number

MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    """What macros/pagination.html needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def requested_page() -> int:
    """The `page` argument of the request; 1 when it is missing or nonsense."""
    return whole_number(request.args.get("page"), low=1, high=MAX_PAGE - 1) or 1


def page_of(query, per_page: int) -> tuple[list, Page]:
    """The rows of the requested page of `query` (whose last column is `func.count().over()`), and
    the page: one query (a second one only past the last page, to offer the way back)."""
    number = requested_page()
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    if rows:
        total = rows[0][-1]
    elif number > 1:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    else:
        total = 0
    return rows, Page(rows, number, per_page, total)


def contains(text: str) -> str:
    """A LIKE pattern (escape character "\\") matching `text` anywhere."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
