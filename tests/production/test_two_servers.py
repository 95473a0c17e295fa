"""Production as deployed: two gunicorn servers (separate processes, two workers each), one
PostgreSQL database and one Redis for the rate-limit counters. Every contested request goes
over real HTTP with its CSRF token, each person's browser sending it to one server or the other,
as a load balancer would.

Checked: people acting on both servers at the same moment (sign-ups, submissions, the last
seats of a seminar, the cohort decision) leave no duplicate or missing registration number, no
over-booked seat, no duplicate account and no lost submission; a session started on one server
is valid on the other, and so is a file uploaded through it; a two-step sign-in begun on one
server ends on the other, and its code works once on both; a copied session or "keep me signed
in" cookie is anonymous on both servers once its session is ended on either (sign-out, a
password change or reset, "sign out of all other devices"); the login throttle counts the
failed attempts made on both.

The servers run as production does: PORTAL_ENV=production with a random 64-character
SECRET_KEY, behind one trusted proxy, so each request says it came over HTTPS from the client
address in X-Forwarded-For; staff sign in with a password and a code from their authenticator
app (TWO_FACTOR_REQUIRED is on in production). The base data (accounts, staff with their
second factor set up, organisations, drafts, a cohort, a seminar) is made in the test process
with the portal's operations; only the contested actions go through HTTP. Applicants who only
need to be signed in get the session cookie a sign-in would have set, signed with the servers'
key and naming the account's current session token.

Runs in the PostgreSQL pass (TEST_DATABASE_URL) and needs a Redis server: TEST_REDIS_URL,
by default redis://127.0.0.1:6379/0. The servers' counters live under a key prefix of their
own, removed afterwards.
"""
from __future__ import annotations

import http.client
import importlib.util
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from support import PASSWORD, minimal_content, require_or_skip, session_id
from portal.core.extensions import db

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BASE_URL = "https://sdgs.example.test"  # the public address the servers put in mails
STARTUP_SECONDS = 60  # both servers boot at once; on a busy two-core machine that takes a few seconds
REQUEST_SECONDS = 60
COHORT = 4
REMEMBER = "remember_token"  # Flask-Login's "keep me signed in" cookie


# --- the servers ---------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path
    url: str = ""

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@dataclass
class Servers:
    a: Server
    b: Server
    key_prefix: str
    secret_key: str

    def __iter__(self):
        return iter((self.a, self.b))

    def session_cookie(self, session: dict) -> str:
        """A session cookie holding `session`, signed with the servers' key as Flask signs it."""
        signer = Flask(__name__)
        signer.secret_key = self.secret_key
        return signer.session_interface.get_signing_serializer(signer).dumps(session)

    def counters(self) -> list[str]:
        """The rate-limit counters the servers keep in Redis."""
        return sorted(key.decode() for key in _redis().scan_iter(match=f"LIMITS:LIMITER/{self.key_prefix}/*"))

    def forget_counters(self) -> None:
        keys = list(_redis().scan_iter(match=f"LIMITS:LIMITER/{self.key_prefix}/*"))
        if keys:
            _redis().delete(*keys)


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_timeout=5)


def _redis_answers() -> bool:
    try:
        return bool(_redis().ping())
    except Exception:  # no Redis package or no server: reported by require_or_skip
        return False


def _start(name: str, folder: Path, env: dict, key_prefix: str) -> Server:
    log = folder / f"gunicorn-{name}.log"
    # Port 0: the system picks a free port, which gunicorn reports in its log ("Listening at").
    # Each server its own process group, so that stopping it stops its workers too.
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
               "--worker-class", "gthread", "--threads", "4", "--timeout", "60", "--graceful-timeout", "5",
               "--no-control-socket", "app:app"]  # the production entry point, configured by the environment
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**env, "RATELIMIT_KEY_PREFIX": key_prefix},
                                   stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    return Server(name, process, log)


def _wait_until_serving(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn {server.name} stopped (status {server.process.returncode}):\n"
                        + server.log_text()[-4000:], pytrace=False)
        if not server.url:
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.log_text())
            server.url = found.group(1) if found else ""
        if server.url:
            try:
                if Browser.anonymous().get(server, "/healthz", timeout=2).status == 200:
                    return
            except OSError:  # not accepting yet
                pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn {server.name} did not answer /healthz in time:\n" + server.log_text()[-4000:],
                pytrace=False)


def _stop(servers: list[Server]) -> None:
    """SIGINT to each master (gunicorn's quick shutdown, which stops its workers), then SIGKILL
    to whatever is left of each server's process group."""
    for server in servers:
        try:
            server.process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass
    for server in servers:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(server.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.process.wait(timeout=5)


@pytest.fixture(scope="module")
def servers(app, tmp_path_factory, worker_id):
    """Two gunicorn servers on free ports, configured from the environment as in production,
    sharing the session's PostgreSQL database, one Redis, the mail and upload folders."""
    require_or_skip(bool(os.environ.get("TEST_DATABASE_URL")), "TEST_DATABASE_URL is not set (no PostgreSQL)")
    require_or_skip(importlib.util.find_spec("gunicorn") is not None, "gunicorn is not installed")
    require_or_skip(_redis_answers(), f"no Redis answers at {REDIS_URL} (set TEST_REDIS_URL)")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
    folder = tmp_path_factory.mktemp("two-servers")
    key_prefix = f"portal-tests-{worker_id}-{uuid.uuid4().hex[:12]}"
    secret_key = secrets.token_hex(32)  # production refuses a short or patterned key
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": secret_key,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_STORAGE_URI": REDIS_URL,
           "TRUSTED_PROXIES": "1", "PORTAL_BASE_URL": BASE_URL, "PORTAL_INSTANCE_PATH": str(folder / "instance"),
           "MAIL_SERVER": "", "MAIL_FOLDER": str(folder / "mail"), "UPLOAD_FOLDER": str(folder / "uploads"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("TWO_FACTOR_REQUIRED", None)  # production's default (on) is the one checked
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(_start(name, folder, env, key_prefix))
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in started:
            _wait_until_serving(server, deadline)
        yield Servers(*started, key_prefix=key_prefix, secret_key=secret_key)
    finally:
        _stop(started)
        if len(started) == 2 and _redis_answers():
            Servers(*started, key_prefix=key_prefix, secret_key=secret_key).forget_counters()


@pytest.fixture
def both(servers):
    """The two servers for one test; afterwards their rate-limit counters are forgotten and
    neither may have logged an error while the test ran."""
    offsets = {server.name: len(server.log_text()) for server in servers}
    yield servers
    servers.forget_counters()
    for server in servers:
        logged = server.log_text()[offsets[server.name]:]
        assert "Traceback" not in logged and "[ERROR]" not in logged, f"gunicorn {server.name} logged:\n{logged}"


# --- a browser -----------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    location: str  # the path of a redirect, "" otherwise
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_addresses = iter(range(1, 60_000))


@dataclass
class Browser:
    """One person's browser: its cookies and its address on the internet. Each request goes to
    the server it names, as a load balancer may send any request anywhere."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    page: str = "/"  # the page last shown, the referrer of a form posted from it

    @classmethod
    def anonymous(cls) -> Browser:
        number = next(_addresses)
        return cls(f"10.0.{number // 250}.{number % 250 + 1}")

    @classmethod
    def signed_in(cls, servers: Servers, app, user_id: int) -> Browser:
        """The browser of someone already signed in: the session cookie a sign-in on the servers
        would have set (the account's id and current session token, signed with their key)."""
        browser = cls.anonymous()
        browser.cookies[app.config["SESSION_COOKIE_NAME"]] = servers.session_cookie(
            {"_user_id": session_id(app, user_id), "_fresh": True})
        return browser

    def second_device(self) -> Browser:
        """The same person in another window, with the same cookies from now on."""
        return Browser(self.address, dict(self.cookies), self.page)

    def request(self, server: Server, method: str, path: str, form: dict | None = None,
                files: dict[str, tuple[str, str, bytes]] | None = None, timeout: float = REQUEST_SECONDS) -> Answer:
        address = urlsplit(server.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
        # What the load balancer passes on: the public host, the client's address, HTTPS. Over
        # HTTPS the CSRF check also wants the referrer a browser sends with a form.
        headers = {"Host": urlsplit(BASE_URL).netloc, "Accept-Language": "ja", "X-Forwarded-For": self.address,
                   "X-Forwarded-Proto": "https"}
        if method == "GET":
            self.page = path
        else:
            headers["Referer"] = BASE_URL + self.page
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, form or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            location = urlsplit(response.headers.get("Location", ""))
            return Answer(response.status, location.path + (f"?{location.query}" if location.query else ""), content)
        finally:
            connection.close()

    def get(self, server: Server, path: str, timeout: float = REQUEST_SECONDS) -> Answer:
        return self.request(server, "GET", path, timeout=timeout)

    def post(self, server: Server, path: str, form: dict,
             files: dict[str, tuple[str, str, bytes]] | None = None) -> Answer:
        """POST the form; `files` maps a field to (file name, content type, content)."""
        return self.request(server, "POST", path, form, files)

    def token(self, server: Server, path: str) -> str:
        """The CSRF token of the first form on the page at `path`."""
        answer = self.get(server, path)
        match = _TOKEN.search(answer.text)
        assert answer.status == 200 and match, f"no form on {path} ({answer.status}): {answer.text[:500]}"
        return match.group(1) or match.group(2)

    def sign_in(self, server: Server, email: str, password: str = PASSWORD, *,
                authenticator: Authenticator | None = None, remember: bool = False) -> Answer:
        """The sign-in form; then, with an `authenticator`, the second step with its code. The
        answer to the last form posted."""
        form = {"email": email, "password": password, "csrf_token": self.token(server, "/login")}
        answer = self.post(server, "/login", {**form, "remember": "y"} if remember else form)
        if authenticator is None or answer.status != 302:
            return answer
        assert answer.location == "/login/second-factor", answer
        token = self.token(server, "/login/second-factor")
        return self.post(server, "/login/second-factor", {"code": authenticator.code(), "csrf_token": token})

    def signed_in_on(self, server: Server) -> bool:
        """Whether the server takes this browser for a signed-in person; otherwise it must send
        it to the sign-in page, as it does anyone signed out."""
        answer = self.get(server, "/account")
        if answer.status == 200:
            return True
        assert answer.status == 302 and answer.location.startswith("/login?next="), answer
        return False


def _multipart(boundary: str, form: dict, files: dict[str, tuple[str, str, bytes]]) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in form.items()]
    for name, (filename, content_type, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def together(calls: list) -> list:
    """Run the calls in threads released at the same moment; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls), timeout=REQUEST_SECONDS)

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.exception(timeout=2 * REQUEST_SECONDS) or future.result() for future in futures]


def words(app, message: str, **values) -> str:
    """`message` as a Japanese page shows it (escaped HTML), for any state of the catalogues."""
    with app.test_request_context(), force_locale("ja"):
        return str(escape(gettext(message, **values)))


def pattern(app, message: str, name: str) -> re.Pattern:
    """`message` with its number `name` as a regular expression group."""
    return re.compile(re.escape(words(app, message, **{name: 987654321})).replace("987654321", r"(\d+)"))


# --- base data -----------------------------------------------------------------------------

@dataclass
class Person:
    user: int
    organisation: int
    email: str


@dataclass
class Authenticator:
    """The authenticator app on a staff member's phone. The portal takes a code once (one per
    30-second time step) and also the next step's, for clocks a little off: a second sign-in
    within the same step gets the next step's code, and a third waits for the clock."""

    secret: str
    last_step: int = -1

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret)
        step = max(int(time.time()) // totp.interval, self.last_step + 1)
        while step > int(time.time()) // totp.interval + 1:
            time.sleep(0.5)
        self.last_step = step
        return totp.generate_otp(step)


@dataclass
class Staff:
    user: int
    email: str
    authenticator: Authenticator


@pytest.fixture
def make_staff(app, make_user):
    """make_staff(role, email, name) -> a staff account whose second factor is set up, as every
    staff account's must be before it can open a staff page in production."""
    from portal.accounts.models import User
    from portal.core.db import utcnow

    def build(role: str, email: str, name: str = "職員 太郎") -> Staff:
        user_id = make_user(role, email=email, name=name)
        secret = pyotp.random_base32()
        with app.app_context():
            user = db.session.get(User, user_id)
            user.totp_secret, user.totp_enabled_at = secret, utcnow()
            db.session.commit()
        return Staff(user_id, email, Authenticator(secret))

    return build


@pytest.fixture
def people(make_user, make_organisation):
    """people(count, prefix) -> verified applicants, each the owner of an organisation (a group)."""

    def build(count: int, prefix: str) -> list[Person]:
        made = []
        for n in range(1, count + 1):
            email = f"{prefix}{n}@example.jp"
            user = make_user(email=email, name=f"担当 {prefix}{n}")
            made.append(Person(user, make_organisation(user, corporate_number=None, kind="group",
                                                       name=f"団体 {prefix}{n}", contact_email=email), email))
        return made

    return build


def _open_cohort_with_drafts(app, owners: list[Person]) -> tuple[int, dict[int, Person]]:
    """An open cohort and a complete draft of each owner's organisation in it."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState

    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(COHORT, now - timedelta(days=10), now + timedelta(days=10))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        drafts = {}
        for person in owners:
            owner = db.session.get(User, person.user)
            application = applications.start_application(owner.organisation, cohort, owner)
            for section, value in minimal_content().items():
                applications.save_section(application, section, value, owner)
            db.session.flush()
            drafts[application.id] = person
        db.session.commit()
        return cohort.id, drafts


def _close_and_recommend(app, cohort_id: int, reviewer_id: int, reject: set[int]) -> None:
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.applications.models import Application
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState

    with app.test_request_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohorts.move_cohort(cohort, CohortState.CLOSED)
        reviewer = db.session.get(User, reviewer_id)
        for application in db.session.scalars(select(Application).where(Application.cohort_id == cohort_id)):
            applications.start_review(application, reviewer)
            applications.recommend(application, application.id not in reject, reviewer,
                                   "理由" if application.id in reject else "")
            if application.id in reject:  # what the rejection tells the applicant, set before the decision
                secretariat = db.session.scalar(select(User).where(User.role == "secretariat"))
                applications.give_rejection_reason(application, "criteria", "", secretariat)
        db.session.commit()


def _seminar(app, secretariat_id: int, capacity: int, seats_per_organisation: int) -> int:
    from portal.accounts.models import User
    from portal.core.i18n import JST
    from portal.seminars import operations as seminars

    today = datetime.now(JST).replace(hour=14, minute=0, second=0, microsecond=0)
    data = {"title_ja": "SDGs経営実践セミナー", "title_en": "SDGs in practice", "description_ja": "フォローアップ",
            "description_en": "A follow-up seminar", "venue": "熊本県庁", "online_url": None,
            "capacity": capacity, "seats_per_organisation": seats_per_organisation, "audience": "everyone",
            "starts_at": today + timedelta(days=10), "ends_at": today + timedelta(days=10, hours=2),
            "signup_opens_at": today - timedelta(days=1), "signup_closes_at": today + timedelta(days=9)}
    with app.test_request_context():
        seminar = seminars.create_seminar(data, db.session.get(User, secretariat_id))
        db.session.commit()
        return seminar.id


# --- the tests -----------------------------------------------------------------------------

def test_a_session_started_on_one_server_is_valid_on_the_other(app, both, make_user):
    from portal.accounts.models import User

    a, b = both
    user_id = make_user(email="hanako@example.jp", name="熊本 花子")
    browser = Browser.anonymous()

    # The sign-in form comes from A, its answer is posted to B.
    token = browser.token(a, "/login")
    signed_in = browser.post(b, "/login", {"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status == 302 and signed_in.location == "/organisation"

    for server in both:
        page = browser.get(server, "/account")
        assert page.status == 200 and "hanako@example.jp" in page.text, server.name
    # A form from B, sent to A with B's token.
    token = browser.token(b, "/account")
    saved = browser.post(a, "/account", {"name": "熊本 花子（改）", "locale": "ja", "csrf_token": token})
    assert (saved.status, saved.location) == (302, "/account")
    assert words(app, "Your profile has been saved.") in browser.get(b, "/account").text
    with app.app_context():
        assert db.session.get(User, user_id).name == "熊本 花子（改）"

    # Signing out on A ends the session on B as well.
    assert browser.post(a, "/logout", {"csrf_token": browser.token(a, "/account")}).status == 302
    assert browser.get(b, "/account").location.startswith("/login")


def test_a_two_step_sign_in_begun_on_one_server_ends_on_the_other_and_its_code_works_once(app, both, make_staff):
    a, b = both
    reviewer = make_staff("reviewer", "shinsa@example.jp", "審査 一郎")
    browser = Browser.anonymous()

    # The password on B (with A's form): the session now holds only who is half-way.
    token = browser.token(a, "/login")
    answer = browser.post(b, "/login", {"email": reviewer.email, "password": PASSWORD, "csrf_token": token})
    assert (answer.status, answer.location) == (302, "/login/second-factor")
    assert not browser.signed_in_on(a)

    # The code on A (with B's form): signed in on both.
    code = reviewer.authenticator.code()
    token = browser.token(b, "/login/second-factor")
    answer = browser.post(a, "/login/second-factor", {"code": code, "csrf_token": token})
    assert (answer.status, answer.location) == (302, "/staff/"), answer  # a reviewer lands on the staff home
    assert browser.signed_in_on(a) and browser.signed_in_on(b)
    assert browser.get(b, "/staff/review/").status == 200

    # Someone who saw the password and the code types them on the other server: the code was used.
    onlooker = Browser.anonymous()
    assert onlooker.sign_in(b, reviewer.email).location == "/login/second-factor"
    token = onlooker.token(b, "/login/second-factor")
    refused = onlooker.post(b, "/login/second-factor", {"code": code, "csrf_token": token})
    assert refused.status == 200 and words(app, "The code is not correct, or it has already been used. Please "
                                                "enter the code your app shows now.") in refused.text
    assert not onlooker.signed_in_on(a) and not onlooker.signed_in_on(b)


ENDINGS = ("sign-out", "password change", "password reset", "sign out of all other devices")
NEW_PASSWORD = "lantern-harbour-camphor-1889"


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_copied_cookie_is_anonymous_on_both_servers_once_its_session_is_ended(app, both, make_staff, mails,
                                                                                  ending):
    """Someone copies a signed-in browser's cookies (the session and the "keep me signed in"
    cookie); the owner ends the session on the other server. Replayed on either server, the
    copy, and the remember cookie alone (as after the browser was closed), are signed out."""
    a, b = both
    staff = make_staff("reviewer", "shinsa@example.jp", "審査 一郎")
    office = Browser.anonymous()
    assert office.sign_in(a, staff.email, authenticator=staff.authenticator, remember=True).status == 302
    copied = dict(office.cookies)
    assert set(copied) == {app.config["SESSION_COOKIE_NAME"], REMEMBER}

    def copies() -> list[tuple[str, Server, Browser]]:
        """Each copy, replayed on each server from a browser of its own elsewhere."""
        kept = (("the copied cookies", copied), ("the remember cookie alone", {REMEMBER: copied[REMEMBER]}))
        return [(f"{what} on {server.name}", server, Browser(Browser.anonymous().address, dict(cookies)))
                for what, cookies in kept for server in both]

    for what, server, thief in copies():  # before: the copy works, anywhere
        assert thief.signed_in_on(server), what

    if ending == "sign-out":
        answer = office.post(b, "/logout", {"csrf_token": office.token(b, "/account")})
        assert answer.status == 302
        assert REMEMBER not in office.cookies  # deleted by the answer
        stays_signed_in = False
    elif ending == "password change":
        answer = office.post(b, "/account/password", {
            "pw-csrf_token": office.token(b, "/account"), "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD, "pw-password_again": NEW_PASSWORD})
        assert (answer.status, answer.location) == (302, "/account"), answer
        stays_signed_in = True  # with a new session
    elif ending == "password reset":
        home = Browser.anonymous()
        answer = home.post(b, "/password/forgot", {"email": staff.email,
                                                   "csrf_token": home.token(b, "/password/forgot")})
        assert answer.status == 200
        [mail] = [mail for mail in mails(staff.email) if "/password/reset/" in mail.body]
        link = re.search(re.escape(BASE_URL) + r"(/password/reset/\S+)", mail.body).group(1)
        answer = home.post(b, link, {"csrf_token": home.token(b, link), "password": NEW_PASSWORD,
                                     "password_again": NEW_PASSWORD})
        assert (answer.status, answer.location) == (302, "/login"), answer
        stays_signed_in = False
    else:
        phone = Browser.anonymous()
        assert phone.sign_in(b, staff.email, authenticator=staff.authenticator).status == 302
        answer = phone.post(b, "/account/sessions/end", {"csrf_token": phone.token(b, "/account")})
        assert (answer.status, answer.location) == (302, "/account"), answer
        assert phone.signed_in_on(a) and phone.signed_in_on(b)  # the device that asked stays
        stays_signed_in = False  # the office is one of the other devices

    for server in both:
        assert office.signed_in_on(server) is stays_signed_in, server.name
    for what, server, thief in copies():
        assert not thief.signed_in_on(server), what


def test_a_file_uploaded_on_one_server_is_served_by_the_other(app, both, people):
    from portal.applications.models import Attachment

    a, b = both
    [person] = people(1, "uploader")
    _cohort_id, drafts = _open_cohort_with_drafts(app, [person])
    [application_id] = drafts
    browser = Browser.signed_in(both, app, person.user)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    token = browser.token(b, f"/applications/{application_id}/steps/attachments")
    added = browser.post(a, f"/applications/{application_id}/attachments", {"csrf_token": token},
                         files={"file": ("report.pdf", "application/pdf", pdf)})
    assert (added.status, added.location) == (302, f"/applications/{application_id}/steps/attachments"), added
    with app.app_context():
        [attachment_id] = db.session.scalars(select(Attachment.id).where(Attachment.application_id == application_id))
    for server in both:
        download = browser.get(server, f"/applications/{application_id}/attachments/{attachment_id}")
        assert (download.status, download.body) == (200, pdf), server.name


def test_the_login_throttle_counts_failed_attempts_on_both_servers(app, both, make_user):
    a, b = both
    make_user(email="target@example.jp")
    make_user(email="bystander@example.jp")
    attacker = Browser.anonymous()
    wrong = words(app, "The e-mail address or the password is not correct.")

    # The owner signs in from the same address (an office behind one router), on each server:
    # sign-ins that succeed are never counted.
    for server in both:
        assert Browser(attacker.address).sign_in(server, "target@example.jp").status == 302, server.name
    assert not [key for key in both.counters() if "target@example.jp" in key]

    # Ten wrong passwords for the address from there (the limit is 10 per 15 minutes), five on
    # each server, all counted in one counter in Redis.
    for attempt in range(10):
        answer = attacker.sign_in(a if attempt % 2 else b, "target@example.jp", "not-the-password")
        assert answer.status == 200 and wrong in answer.text, attempt
    [counter] = [key for key in both.counters() if f"/target@example.jp|{attacker.address}/sign-in-address/" in key]
    assert int(_redis().get(counter)) == 10

    # The eleventh is refused on either server, even with the right password.
    for server in both:
        assert attacker.sign_in(server, "target@example.jp").status == 429, server.name
    # Another address from the same place is not affected, nor the owner signing in elsewhere.
    assert attacker.sign_in(b, "bystander@example.jp").status == 302
    assert Browser.anonymous().sign_in(a, "target@example.jp").status == 302


def test_people_acting_on_both_servers_at_once(app, both, make_staff, people, mails):
    from portal.accounts.models import User
    from portal.applications.messages import error_text as application_error_text
    from portal.applications.models import Application, ApplicationRevision
    from portal.applications.operations import ApplicationError
    from portal.core.audit import AuditEntry
    from portal.registrations.models import Registration
    from portal.seminars.models import Seminar, SeminarSignup
    from portal.seminars.operations import SeminarError, error_text
    from portal.seminars.queries import waitlist_position

    a, b = both
    servers = (a, b)
    other = {a.name: b, b.name: a}
    jimukyoku = make_staff("secretariat", "jimukyoku@example.jp", "事務局 花子")
    secretariat_id = jimukyoku.user
    reviewer_id = make_staff("reviewer", "shinsa@example.jp").user

    applicants = people(10, "applicant")
    cohort_id, drafts = _open_cohort_with_drafts(app, applicants)
    attendees = people(14, "attendee")
    capacity = 6
    seminar_id = _seminar(app, secretariat_id, capacity=capacity, seats_per_organisation=2)

    # --- everybody at once: sign-ups, submissions, the seminar's seats --------------------------
    calls, checks = [], []

    # Sign-ups: six new people, each posting the form one server gave them to the other; and
    # one address signed up on both servers at the same moment.
    signup_form = {"name": "新規 太郎", "password": "a-long-password", "password_again": "a-long-password",
                   "agree": "y"}
    newcomers = [f"new{n}@example.jp" for n in range(1, 7)]
    signups = []
    for n, email in enumerate(newcomers + ["twice@example.jp", "twice@example.jp"]):
        browser, server = Browser.anonymous(), servers[n % 2]
        token = browser.token(other[server.name], "/signup")
        signups.append((email, server))
        calls.append(lambda browser=browser, server=server, email=email, token=token: browser.post(
            server, "/signup", {**signup_form, "email": email, "csrf_token": token}))
        checks.append("signup")

    # Submissions: each applicant submits from the confirmation page; four of them click
    # submit in two windows at once, each window's request going to another server. Each
    # window then reads the outcome on the other server.
    def submit(browser, server, application_id, token):
        answer = browser.post(server, f"/applications/{application_id}/submit", {"csrf_token": token})
        assert answer.status == 302, answer
        return answer, browser.get(other[server.name], answer.location)

    submissions = []
    for n, (application_id, person) in enumerate(drafts.items()):
        first = Browser.signed_in(both, app, person.user)
        windows = [first, first.second_device()] if n < 4 else [first]
        for w, window in enumerate(windows):
            server = servers[(n + w) % 2]
            token = window.token(other[server.name], f"/applications/{application_id}/steps/confirm")
            submissions.append(application_id)
            calls.append(lambda window=window, server=server, application_id=application_id, token=token:
                         submit(window, server, application_id, token))
            checks.append("submission")

    # The seminar: fourteen organisations asking for one or two of its six seats; one of them
    # asks twice, in two windows on the two servers.
    def sign_up(browser, server, seats, token):
        form = {"csrf_token": token, "seats": str(seats), **{f"names-{n}": f"出席者 {n + 1}" for n in range(seats)}}
        answer = browser.post(server, f"/seminars/{seminar_id}/signup", form)
        assert (answer.status, answer.location) == (302, f"/seminars/{seminar_id}"), answer
        return browser.get(other[server.name], answer.location)

    seats_asked = {}
    seat_requests = []
    for n, person in enumerate(attendees):
        seats_asked[person.organisation] = 1 + (n % 3 == 0)
        first = Browser.signed_in(both, app, person.user)
        windows = [first, first.second_device()] if n == 5 else [first]
        for w, window in enumerate(windows):
            server = servers[(n + w) % 2]
            token = window.token(other[server.name], f"/seminars/{seminar_id}/signup")
            seat_requests.append(person.organisation)
            calls.append(lambda window=window, server=server, seats=seats_asked[person.organisation], token=token:
                         sign_up(window, server, seats, token))
            checks.append("seminar")

    answers = together(calls)
    failures = [(kind, answer) for kind, answer in zip(checks, answers) if isinstance(answer, BaseException)]
    assert not failures, failures

    # --- sign-ups: one account per address, every request answered with the same page ---------
    signup_answers = [answer for kind, answer in zip(checks, answers) if kind == "signup"]
    for (email, _server), answer in zip(signups, signup_answers):
        assert answer.status == 200 and email in answer.text, (email, answer.status, answer.text[:300])
    with app.app_context():
        accounts = db.session.scalars(select(User.email).where(User.email.like("new%") | User.email.like("twice%")))
        assert sorted(accounts) == sorted(newcomers + ["twice@example.jp"])
    # The second sign-up for the address was told as if the account had been there before.
    assert sorted("/account/verify/" in mail.body for mail in mails("twice@example.jp")) == [False, True]
    # Each newcomer confirms the address on the server that did not sign them up, then signs in.
    for email, server in signups[:len(newcomers) + 1]:
        [verify] = [m for m in mails(email) if BASE_URL in m.body and "/account/verify/" in m.body]
        link = re.search(re.escape(BASE_URL) + r"(/account/verify/\S+)", verify.body).group(1)
        browser = Browser.anonymous()
        assert browser.get(other[server.name], link).status == 302
        assert browser.sign_in(server, email, "a-long-password").status == 302, email
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.email.in_(newcomers + ["twice@example.jp"]), User.email_verified_at.is_not(None))) == 7

    # --- submissions: every success answered is in the database; none twice, none lost ---------
    submitted = pattern(app, "Your application was submitted (revision %(number)s). "
                             "A confirmation mail is on its way.", "number")
    with app.test_request_context(), force_locale("ja"):  # what the second click is told
        too_late = [str(escape(application_error_text(ApplicationError(code))))
                    for code in ("not_submittable", "changed")]
    told = {}
    for application_id, answer in zip(submissions, [a for k, a in zip(checks, answers) if k == "submission"]):
        _post, page = answer
        found = submitted.search(page.text)
        if found:
            told.setdefault(application_id, []).append(int(found.group(1)))
        else:
            assert any(message in page.text for message in too_late), page.text
    assert told == {application_id: [1] for application_id in drafts}, told
    with app.app_context():
        for application_id in drafts:
            application = db.session.get(Application, application_id)
            revisions = db.session.scalars(select(ApplicationRevision.number).where(
                ApplicationRevision.application_id == application_id)).all()
            assert (application.state, application.revision_count, revisions) == ("submitted", 1, [1])
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "application.submitted")) == len(drafts)
    assert sum(1 for person in applicants for m in mails(person.email) if "/applications/" in m.body) == len(drafts)

    # --- the seminar: never more seats than it has; whoever waits would not have fitted ---------
    with app.app_context():
        seminar = db.session.get(Seminar, seminar_id)
        live = db.session.scalars(select(SeminarSignup).where(SeminarSignup.seminar_id == seminar_id)
                                  .order_by(SeminarSignup.id)).all()
        positions = {s.organisation_id: waitlist_position(s) for s in live}
        state = {s.organisation_id: s.state.value for s in live}
        confirmed_seats = sum(s.seats for s in live if s.state == "confirmed")
        waiting = [s for s in live if s.state == "waitlisted"]
        assert sorted(s.organisation_id for s in live) == sorted(seats_asked)  # one each
        assert all(s.seats == seats_asked[s.organisation_id] for s in live)
        assert seminar.seats_confirmed == confirmed_seats <= capacity
        assert waiting and capacity - confirmed_seats < min(s.seats for s in waiting)
        assert sorted(positions[s.organisation_id] for s in waiting) == list(range(1, len(waiting) + 1))
    confirmed_page = words(app, "Your seats are confirmed. A confirmation with a calendar file was sent to you "
                                "by e-mail.")
    waitlisted = pattern(app, "Not enough seats are free, so your organisation is number %(position)s on the "
                              "waiting list. If seats become free you get them automatically, and an e-mail.",
                         "position")
    with app.test_request_context(), force_locale("ja"):
        already = str(escape(error_text(SeminarError("already"))))
    outcomes: dict[int, list] = {}
    for organisation_id, page in zip(seat_requests, [a for k, a in zip(checks, answers) if k == "seminar"]):
        found = waitlisted.search(page.text)
        outcome = ("confirmed" if confirmed_page in page.text else ("waitlisted", int(found.group(1))) if found
                   else "already" if already in page.text else page.text[:300])
        outcomes.setdefault(organisation_id, []).append(outcome)
    for organisation_id, told_them in outcomes.items():
        truth = "confirmed" if state[organisation_id] == "confirmed" else ("waitlisted", positions[organisation_id])
        expected = [truth, "already"] if len(told_them) == 2 else [truth]
        assert sorted(told_them, key=str) == sorted(expected, key=str), (organisation_id, told_them)

    # --- the decision: two clicks at once, one on each server ---------------------------------
    rejected = next(iter(drafts))
    _close_and_recommend(app, cohort_id, reviewer_id, reject={rejected})
    secretariat = Browser.anonymous()
    signed_in = secretariat.sign_in(a, jimukyoku.email, authenticator=jimukyoku.authenticator)
    assert (signed_in.status, signed_in.location) == (302, "/staff/"), signed_in
    token = secretariat.token(b, f"/staff/cohorts/{cohort_id}")
    windows = [secretariat, secretariat.second_device()]
    form = {"decided_on": datetime.now(timezone(timedelta(hours=9))).date().isoformat(), "confirm": "y",
            "csrf_token": token}

    def decide(window, server):
        answer = window.post(server, f"/staff/cohorts/{cohort_id}/decide", form)
        assert (answer.status, answer.location) == (302, f"/staff/cohorts/{cohort_id}"), answer
        return window.get(other[server.name], answer.location)

    pages = together([lambda w=w, s=s: decide(w, s) for w, s in zip(windows, servers)])
    assert not any(isinstance(page, BaseException) for page in pages), pages
    approved = len(drafts) - 1
    decided = words(app, "The cohort was decided: %(registered)s registered, %(renewed)s renewed, "
                         "%(rejected)s rejected. Each applicant is notified by e-mail.",
                    registered=approved, renewed=0, rejected=1)
    nothing = words(app, "This cohort had already been decided: nothing was changed.")
    assert sorted(decided in page.text for page in pages) == [False, True]
    assert sorted(nothing in page.text for page in pages) == [False, True]

    with app.app_context():
        registrations = db.session.scalars(select(Registration).where(Registration.cohort_id == cohort_id)
                                           .order_by(Registration.sequence)).all()
        assert [r.number for r in registrations] == [f"KS{COHORT:02d}-{n:04d}" for n in range(1, approved + 1)]
        # Numbered in the order the applications were first submitted.
        first_submitted = dict(db.session.execute(select(ApplicationRevision.application_id,
                                                         ApplicationRevision.submitted_at)).all())
        by_registration = {application.registration_id: application.id for application in db.session.scalars(
            select(Application).where(Application.registration_id.is_not(None)))}
        order = [by_registration[r.id] for r in registrations]
        assert order == sorted(order, key=lambda application_id: (first_submitted[application_id], application_id))
        assert db.session.get(Application, rejected).state == "rejected"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "cohort.decided")) == 1
    for server in both:  # the public verification page, on both servers
        assert Browser.anonymous().get(server, f"/verify/KS{COHORT:02d}-{approved:04d}").status == 200
