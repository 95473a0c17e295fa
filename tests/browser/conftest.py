"""Browser journeys: the portal served by a real server thread, driven by Debian's Chromium
through Playwright, checked with axe-core, with a screenshot of every page visited.

Fixtures
  live_server   the session's `app` on http://127.0.0.1:<free port>; mailed links point at it
  browser       one headless Chromium per test process (session)
  new_page      new_page(phone=False, javascript=True, **context_options) -> a Page in a fresh context
  page          a desktop page; `phone_page` a 390×844 touch phone
  axe           axe(page) fails the test on any "serious" or "critical" violation
  screenshot    screenshot(page, "step") -> test-artifacts/<test>/<nn>-<step>.png
  checkpoint    checkpoint(page, "step"): a screenshot, no sideways scrolling, then axe

Every page also fails its test on an uncaught JavaScript error, a console error (a CSP
refusal is one) or a 5xx answer. The pages run under the site's real CSP: axe-playwright-python
injects axe-core with `page.evaluate`, which goes through the DevTools protocol and is not
subject to the page's script-src, so no `bypass_csp` is needed (and postal.js is tested under
the CSP production sends).

This folder is a package (__init__.py) on purpose: its conftest is then the module
`browser.conftest` and never takes the name `conftest` from the root one, which older test
modules still import from. Shared helpers come from tests/support.py.
"""
from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import require_or_skip

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # reported by _browser_available
    expect = sync_playwright = None
try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    Axe = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
TIMEOUT_MS = 5_000  # a local server answers in milliseconds; fail fast rather than hang
FAILING_IMPACTS = ("serious", "critical")
BADGES = ("法人は必須", "必須", "任意", "Required for corporations", "Required", "Optional")
SUBRESOURCES = {"stylesheet", "script", "image", "font", "media"}


# --- availability --------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def _browser_available():
    """Skip the folder where the browser stack is missing (fail in CI, where it must run)."""
    require_or_skip(sync_playwright is not None,
                    "Playwright for Python is not installed (pip install -r requirements-dev.txt)")
    require_or_skip(Axe is not None, "axe-playwright-python is not installed (pip install -r requirements-dev.txt)")
    require_or_skip(CHROMIUM.is_file(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")


# --- the server ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def link_in(self, body: str) -> str:
        """The first link to this server in a mail body, as an absolute URL."""
        match = re.search(re.escape(self.url) + r"/\S+", body)
        assert match, f"no link to {self.url} in:\n{body}"
        return match.group(0)


@pytest.fixture
def live_server(app):
    """The app on a free port of 127.0.0.1, in a thread, for one test.

    Per test because the root conftest empties every table after each test; starting a
    werkzeug server takes about a millisecond. PORTAL_BASE_URL points at it while it runs, so
    the links in mails work in the browser.
    """
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(f"http://127.0.0.1:{server.server_port}")
    previous = app.config["PORTAL_BASE_URL"]
    app.config["PORTAL_BASE_URL"] = live.url
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.config["PORTAL_BASE_URL"] = previous


# --- the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser(_browser_available):
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class _PageWatch:
    """What went wrong in a page that an assertion would not see."""

    settings: dict  # the context's options
    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"uncaught JavaScript error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource"):
            # A page's 4xx is often deliberate (a form with errors is a 400); a missing
            # stylesheet, script or image and any 5xx are caught in _response. Chromium asks
            # for /favicon.ico, which the portal does not have.
            return
        self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _response(self, response) -> None:
        request = response.request
        if response.status >= 500:
            self.problems.append(f"server error {response.status} for {request.method} {response.url}")
        elif (response.status >= 400 and request.resource_type in SUBRESOURCES
              and not response.url.endswith("/favicon.ico")):
            self.problems.append(f"{request.resource_type} missing: {response.status} for {response.url}")


_WATCHES: dict[int, _PageWatch] = {}  # id(page) -> watch, for the pages of the running test


@pytest.fixture
def new_page(browser, live_server):
    """new_page(phone=False, javascript=True, **context_options) -> a Page in its own context,
    in Japanese (Accept-Language ja) and JST, with relative URLs going to the live server."""
    contexts = []
    watches = []

    def open_page(phone: bool = False, javascript: bool = True, **options):
        settings = {**(PHONE if phone else DESKTOP), "locale": "ja-JP", "timezone_id": "Asia/Tokyo",
                    "base_url": live_server.url, "java_script_enabled": javascript, **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = _PageWatch(settings)
        watch.attach(page)
        watches.append(watch)
        _WATCHES[id(page)] = watch
        return page

    yield open_page
    for context in contexts:
        context.close()
    _WATCHES.clear()
    problems = [problem for watch in watches for problem in watch.problems]
    if problems:
        pytest.fail("the browser saw problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(phone=True)


# --- finding fields ------------------------------------------------------------------------

def label(text: str) -> re.Pattern:
    """A field's label as the portal writes it: the text, then a 「必須」/「任意」 badge.

    `page.get_by_label(label("パスワード"))` finds the password field but not
    「パスワード（確認用）」, which a plain substring match would also find.
    """
    badges = "|".join(BADGES)
    return re.compile(rf"^\s*{re.escape(text)}(?:\s+(?:{badges}))?\s*$")


# --- screenshots and axe -------------------------------------------------------------------

def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


@pytest.fixture
def screenshot(request):
    """screenshot(page, step) saves the whole page as test-artifacts/<test>/<nn>-<step>.png."""
    folder = ARTIFACTS / _file_name(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # only this test's pictures, from an earlier run
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, step: str) -> Path:
        path = folder / f"{next(counter):02d}-{_file_name(step)}.png"
        # Full-page pictures of long pages take a while on a busy machine: their own, longer timeout.
        page.screenshot(path=str(path), full_page=True, animations="disabled", timeout=4 * TIMEOUT_MS)
        return path

    return take


@pytest.fixture(scope="session")
def _axe(_browser_available):
    return Axe()


def _axe_results(axe: Axe, page) -> dict:
    watch = _WATCHES.get(id(page))
    if watch is None or watch.settings["java_script_enabled"]:
        return axe.run(page).response
    # axe.run never settles where scripts are disabled: look at the same HTML, at the same
    # address (so that the stylesheet loads), in a page that may run scripts.
    html = page.content()
    context = page.context.browser.new_context(**{**watch.settings, "java_script_enabled": True})
    try:
        twin = context.new_page()
        twin.route(page.url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                          body=html))
        twin.goto(page.url, timeout=TIMEOUT_MS)
        return axe.run(twin).response
    finally:
        context.close()


def axe_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    {target}")
            lines.append(f"        {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            if summary:
                lines.append(f"        {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe(_axe):
    """axe(page, where="") runs axe-core on the page and fails on any serious or critical
    violation; it returns the violations of lower impact, for a test that wants them."""

    def check(page, where: str = "") -> list[dict]:
        violations = _axe_results(_axe, page)["violations"]
        failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
        if failing:
            place = f"{where} — " if where else ""
            pytest.fail(f"axe-core: {len(failing)} serious/critical violation(s) on {place}{page.url}\n"
                        + axe_report(failing), pytrace=False)
        return [v for v in violations if v not in failing]

    return check


_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .slice(0, 5)
    .map((element) => element.outerHTML.slice(0, 160));
}"""


def assert_no_sideways_scrolling(page, where: str = "") -> None:
    """Nothing wider than the viewport: on a phone that means scrolling sideways to read."""
    too_wide = page.evaluate(_SIDEWAYS)
    if too_wide:
        place = f"{where} — " if where else ""
        pytest.fail(f"the page scrolls sideways at {page.viewport_size['width']}px on {place}{page.url}; "
                    "too wide:\n  " + "\n  ".join(too_wide), pytrace=False)


@pytest.fixture
def checkpoint(screenshot, axe):
    """checkpoint(page, step): the page's screenshot (kept even if a check then fails), no
    sideways scrolling, then axe."""

    def check(page, step: str) -> list[dict]:
        screenshot(page, step)
        assert_no_sideways_scrolling(page, step)
        return axe(page, step)

    return check
