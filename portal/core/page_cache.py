"""Pages kept in a cache and filed under the data generations they show.

A page that many people open and few writes change (the directory, a registrant's page, the
review queue, the KPI report, the review desk, the やること home) is made once per data
generation: `cached_page` files what the page's own template renders — its title, head, content
and scripts blocks — under the page's address, the language, the day in JST (a registration
lapses at midnight without a write), the generations of the areas it reads
(`portal.core.generations`) and whatever else it depends on (`vary`: a role, a user). The
frame around them — the menu, the footer — is kept with them too, once per menu (a visitor's, or
the home of the asker's role) and under the footer's contact blocks' generation; a request with
messages to show once gets its own frame, rendered around the kept blocks. A write bumps its
areas' generations in its own transaction, so the next request, on any worker of any server,
files the page under a new key and makes it again: nobody sees a page older than the last commit.

Forms on a kept page (the sign-out button too) carry a placeholder where their CSRF token goes;
each answer puts the asker's own token in its place, so a page kept for one person never hands
their token to another.

`cached_value` keeps a computed value the same way (a directory search's count, the KPI report)
for the pages, files and PDFs that share it.

The store is Flask-Caching: Redis in production (`PAGE_CACHE_URL`, shared by every worker and
server, with the pages a worker used last also in its memory, `PAGE_CACHE_RECENT`), a bounded
cache in each process's memory otherwise (`PAGE_CACHE_ENTRIES`). Entries
expire after `PAGE_CACHE_SECONDS` at the latest (0: no page is kept). If the store fails, the
page is made for the request and the failure logged: a cache is never a reason for an error page.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app, g, make_response, render_template, request, session
from flask_caching import Cache
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.core import generations
from portal.core.i18n import current_locale, today_jst
from portal.core.permissions import home_endpoint

log = logging.getLogger(__name__)
cache = Cache()

# The blocks of base.html a page fills (no page template defines others, or calls super()).
BLOCKS = ("title", "head", "content", "scripts")
FRAME = "_cached_page.html"
# Bump when what is kept changes shape; the deployed revision is part of every key as well, so
# a release never shows the pages its predecessor kept.
VERSION = 1


class _Recent:
    """The pages this process read from Redis or kept last, at most `size`, least recently used
    dropped first. A key names a page at given data generations, so what it holds never changes:
    a copy in the worker's memory is as good as Redis's, without the round trip."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers serve requests in threads

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def init_app(app: Flask) -> None:
    url = app.config["PAGE_CACHE_URL"]
    # In front of Redis only: without it the store is the process's memory already.
    app.extensions["page_cache_recent"] = _Recent(app.config["PAGE_CACHE_RECENT"]) if url else None
    app.extensions["page_cache_workers"] = {}
    config = {"CACHE_DEFAULT_TIMEOUT": app.config["PAGE_CACHE_SECONDS"] or 1,
              "CACHE_KEY_PREFIX": app.config["PAGE_CACHE_PREFIX"]}
    if url:
        config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url)
    else:
        config.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=app.config["PAGE_CACHE_ENTRIES"])
    cache.init_app(app, config=config)
    app.jinja_env.globals["block_mark"] = _block_mark


def enabled() -> bool:
    return bool(current_app.config["PAGE_CACHE_SECONDS"])


def clear() -> None:
    """Empty the store (tests; `flask page-cache clear` after restoring a backup: restart the
    workers too, for their recent copies)."""
    cache.clear()
    if _recent() is not None:
        _recent().clear()
    for store in current_app.extensions["page_cache_workers"].values():
        store.clear()


def _recent() -> _Recent | None:
    return current_app.extensions.get("page_cache_recent")


def in_worker(name: str, size: int) -> _Recent | None:
    """A store of this process's own (the last `size` entries put, by key) for what a feature
    keeps under data generations without Redis (a copy of a signed-in user's row); emptied with
    the page cache. None while no page is kept (`PAGE_CACHE_SECONDS = 0`)."""
    if not enabled():
        return None
    stores = current_app.extensions["page_cache_workers"]
    if name not in stores:
        stores.setdefault(name, _Recent(size))
    return stores[name]


# --- pages ---------------------------------------------------------------------------------------

def cached_page(template: str, *, areas: Iterable[str], build: Callable[[], dict | Any],
                vary: Iterable[Any] = ()) -> Response:
    """The page `template` renders with the context `build()` returns, its blocks kept under the
    generations of `areas` and `vary`. `build` may return a response instead (a 404, a redirect):
    it is sent as it is and nothing is kept."""
    if not enabled() or request.method != "GET" or "lang" in request.args:
        made = build()
        return made if not isinstance(made, dict) else make_response(render_template(template, **made))
    parts = (template, request.path, sorted(request.args.items(multi=True)), current_locale(),
             today_jst().isoformat(), generations.current(*areas), tuple(vary))
    framed = _framed_key(parts)
    if framed is not None and (html := _get(framed)) is not None:
        return _respond(html, "hit")
    key = _key("page", *parts)
    blocks = _get(key)
    state = "hit"
    if blocks is None:
        blocks = _capture(template, build)
        if not isinstance(blocks, dict):
            return blocks
        _set(key, blocks)
        state = "miss"
    html = _frame(blocks)
    if framed is not None:
        _set(framed, html)
    return _respond(html, state)


def cached_value(name: str, *, areas: Iterable[str], compute: Callable[[], Any], vary: Iterable[Any] = ()) -> Any:
    """`compute()`, kept under `name`, the generations of `areas`, the JST day and `vary`."""
    if not enabled():
        return compute()
    key = _key("value", name, today_jst().isoformat(), generations.current(*areas), tuple(vary))
    found = _get(key)
    if found is None:
        found = compute()
        _set(key, found)
    return found


def _key(*parts: Any) -> str:
    digest = hashlib.sha256(repr((VERSION, _revision(), parts)).encode()).hexdigest()
    return f"{parts[0]}:{digest}"


def _revision() -> str:
    from portal.system.queries import revision

    return revision() or ""


def _get(key: str) -> Any:
    recent = _recent()
    if recent is not None and (value := recent.get(key)) is not None:
        return value
    try:
        value = cache.get(key)
    except Exception:  # the store is down: make the page
        log.warning("page cache: reading failed", exc_info=True)
        return None
    if recent is not None and value is not None:
        recent.put(key, value)
    return value


def _set(key: str, value: Any) -> None:
    if _recent() is not None:
        _recent().put(key, value)
    try:
        cache.set(key, value)
    except Exception:
        log.warning("page cache: writing failed", exc_info=True)


# --- rendering the blocks once and the frame for each request -----------------------------------

def _csrf_placeholder() -> str:
    """What a kept page holds where a CSRF token goes: the same on every server that shares the
    secret key (one may keep the page, another send it), and not a token anyone could use."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return "csrf-placeholder-" + hmac.new(secret, b"page-cache-csrf", hashlib.sha256).hexdigest()[:24]


def _block_mark(name: str) -> Markup:
    marks = g.get("page_cache_marks")
    return Markup(f"\x00{marks}:{name}\x00") if marks else Markup("")


@contextmanager
def _placeholder_tokens():
    """While rendering what is kept, Flask-WTF's `csrf_token()` gives the placeholder."""
    saved = g.pop("csrf_token", None)
    g.csrf_token = _csrf_placeholder()  # what Flask-WTF's generate_csrf returns for this request
    try:
        yield
    finally:
        g.pop("csrf_token", None)
        if saved is not None:
            g.csrf_token = saved


def _capture(template: str, build: Callable[[], Any]) -> dict[str, str] | Any:
    """Render `template` with `build()`'s context, CSRF tokens as the placeholder, and cut out its
    blocks between the marks base.html sets around them."""
    marks = secrets.token_hex(8)
    g.page_cache_marks = marks
    try:
        with _placeholder_tokens():
            made = build()
            if not isinstance(made, dict):
                return made
            html = render_template(template, **made)
    finally:
        g.pop("page_cache_marks", None)
    blocks = {}
    for name in BLOCKS:
        start, end = f"\x00{marks}:{name}\x00", f"\x00{marks}:/{name}\x00"
        first = html.index(start) + len(start)
        blocks[name] = html[first:html.index(end, first)]
    return blocks


def _frame(blocks: dict[str, str]) -> str:
    """The whole page: the kept blocks in this request's frame, CSRF tokens as the placeholder."""
    with _placeholder_tokens():
        return render_template(FRAME, cached={name: Markup(blocks[name]) for name in BLOCKS})


def _framed_key(parts: tuple) -> str | None:
    """The key of the whole page as this request's frame shows it, or None when the frame is
    this request's own (messages to show once). The frame differs only by language and address
    (in `parts`), by whose menu it shows — a visitor's, or the home of the asker's role — and by
    the offices' contact blocks in its footer."""
    if session.get("_flashes"):
        return None
    return _key("framed", parts, home_endpoint(current_user), generations.current(generations.CONTACTS))


def _respond(html: str, state: str) -> Response:
    """The page with the asker's own CSRF token where the placeholder is."""
    placeholder = _csrf_placeholder()
    response = make_response(html.replace(placeholder, generate_csrf()) if placeholder in html else html)
    response.headers["X-Page-Cache"] = state
    return response
