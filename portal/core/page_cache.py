"""A short-lived cache of whole public pages, for visitors who are not signed in.

The public directory is read far more than it changes, and every visitor who is not signed in
sees the same page for the same address and language. `@cached_for_visitors` keeps such a page
for PUBLIC_PAGE_CACHE_SECONDS (60 by default, 0 turns it off) in the worker's memory, at most
PUBLIC_PAGE_CACHE_ENTRIES pages (least recently used go first). So a change (a withdrawal, a
change notice accepted, a new cohort) reaches the public pages within that time; signed-in
users, requests that switch the language and visitors with a message waiting always get a page
made for them.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, make_response, request, session
from flask_login import current_user

from portal.core.i18n import current_locale, today_jst


@dataclass(frozen=True)
class _Page:
    body: bytes
    mimetype: str
    expires: float


class _Store:
    def __init__(self):
        self._pages: OrderedDict[tuple, _Page] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers serve requests in threads

    def get(self, key: tuple) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires <= time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: _Page, limit: int) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > limit:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


store = _Store()


def _cacheable_request() -> bool:
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and "lang" not in request.args  # it changes the session: the answer sets a cookie
        and not session.get("_flashes")  # a message for this visitor alone
    )


def cached_for_visitors(view):
    @wraps(view)
    def cached(*args, **kwargs):
        seconds = current_app.config["PUBLIC_PAGE_CACHE_SECONDS"]
        if not seconds or not _cacheable_request():
            return view(*args, **kwargs)
        # The day is part of the key: what is listed is what is active today (JST).
        key = (request.full_path, current_locale(), today_jst())
        page = store.get(key)
        if page is not None:
            response = Response(page.body, mimetype=page.mimetype)
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed and "Set-Cookie" not in response.headers:
            store.put(key, _Page(response.get_data(), response.mimetype, time.monotonic() + seconds),
                      current_app.config["PUBLIC_PAGE_CACHE_ENTRIES"])
            response.headers["X-Page-Cache"] = "miss"
        return response

    return cached
