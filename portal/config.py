"""Settings, read from the environment (CONTRACT.md) with safe local defaults."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"  # refused in production, see create_app
# What production asks of SECRET_KEY (secret_key_problem): long, and not a word or a pattern.
SECRET_KEY_MIN_BYTES = 32
SECRET_KEY_MIN_DISTINCT = 10
MAKE_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'portal.db'}"
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The contact blocks' fields (portal.contacts): each is read from CONTACT_<KEY>_<FIELD>, e.g.
# CONTACT_PREFECTURE_PHONE, CONTACT_CITY_EMAIL. They are the defaults: what the footer, /verify,
# the mails' signatures and the error pages show until staff save the block in the portal, and
# what the error pages show when the database does not answer.
CONTACT_FIELDS = ("office_name", "office_name_en", "postal_code", "address", "phone", "email", "hours", "hours_en")
CONTACT_DEFAULTS = {
    "prefecture": {
        "office_name": "熊本県 企画振興部 企画課 SDGs登録制度事務局",
        "office_name_en": "Kumamoto Prefecture SDGs Registration Secretariat (Planning Division)",
        "postal_code": "862-8570",
        "address": "熊本県熊本市中央区水前寺6丁目18番1号",
        "phone": "096-000-0000",
        "email": "sdgs@pref.example.jp",
        "hours": "平日 8時30分～17時15分（土日祝日・年末年始を除く）",
        "hours_en": "Weekdays 8:30–17:15 (closed on weekends, national holidays and 29 December – 3 January)",
    },
    "city": {
        "office_name": "熊本市 政策局 総合政策部 政策企画課 「Kumamoto for SDGs」ロゴマーク担当",
        "office_name_en": "Kumamoto City, Policy Planning Division (Kumamoto for SDGs logo)",
        "postal_code": "860-8601",
        "address": "熊本県熊本市中央区手取本町1番1号",
        "phone": "096-000-0001",
        "email": "sdgs-logo@city.example.jp",
        "hours": "平日 8時30分～17時15分（土日祝日・年末年始を除く）",
        "hours_en": "Weekdays 8:30–17:15 (closed on weekends, national holidays and 29 December – 3 January)",
    },
}


def _contacts() -> dict[str, dict[str, str]]:
    return {key: {field: os.environ.get(f"CONTACT_{key.upper()}_{field.upper()}", default)
                  for field, default in defaults.items()}
            for key, defaults in CONTACT_DEFAULTS.items()}


def from_environment(instance_path: str) -> dict:
    """The configuration mapping for an app whose instance folder is `instance_path`."""
    production = os.environ.get("PORTAL_ENV", "").lower() == "production"
    database_url = _database_url(instance_path)
    return {
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        # Who sends a stored file (certificate, attachment, logo…) once the view has checked the
        # user may have it: "app" (the worker), "x-accel-redirect" (nginx: an internal location
        # FILE_ACCEL_PREFIX aliasing UPLOAD_FOLDER) or "x-sendfile" (Apache mod_xsendfile,
        # lighttpd). See portal.core.files and docs/deployment.md.
        "FILE_SENDING": os.environ.get("FILE_SENDING", "app").strip().lower(),
        "FILE_ACCEL_PREFIX": os.environ.get("FILE_ACCEL_PREFIX", "/_protected/"),
        # The 「Kumamoto for SDGs」 logo files (SVG and PNG per variant); empty: the placeholder
        # artwork in portal/logos/artwork/ (see the README).
        "LOGO_ARTWORK_FOLDER": os.environ.get("LOGO_ARTWORK_FOLDER", ""),
        "MAIL_FOLDER": os.environ.get("MAIL_FOLDER", str(Path(instance_path) / "mail")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        # How many of its mails a request hands to the mail server itself; the rest (a cohort
        # decision mails every applicant) wait for the scheduled `flask outbox send`.
        # Pages kept under the data generations they show (portal.core.page_cache): in Redis when
        # PAGE_CACHE_URL names one (shared by every worker and server), else in each process's
        # memory, at most PAGE_CACHE_ENTRIES of them. A write shows at once either way; an
        # entry is dropped after PAGE_CACHE_SECONDS at the latest (0: no page is kept).
        "PAGE_CACHE_URL": os.environ.get("PAGE_CACHE_URL", ""),
        "PAGE_CACHE_PREFIX": os.environ.get("PAGE_CACHE_PREFIX", "portal-page:"),
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "86400")),
        "PAGE_CACHE_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "2000")),
        # With Redis: the pages each worker used last, also kept in its memory (no round trip).
        "PAGE_CACHE_RECENT": int(os.environ.get("PAGE_CACHE_RECENT", "200")),
        "OUTBOX_SEND_IN_REQUEST": int(os.environ.get("OUTBOX_SEND_IN_REQUEST", "20")),
        # Invitations mail people who did not ask for them: at most this many in 24 hours from
        # one user, and from one organisation (whoever its owner is).
        "INVITATIONS_PER_USER_PER_DAY": int(os.environ.get("INVITATIONS_PER_USER_PER_DAY", "10")),
        "INVITATIONS_PER_ORGANISATION_PER_DAY": int(os.environ.get("INVITATIONS_PER_ORGANISATION_PER_DAY", "20")),
        # The default contact blocks, {"prefecture": {...}, "city": {...}} (CONTACT_FIELDS above).
        "CONTACTS": _contacts(),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "熊本県SDGs登録制度事務局 <no-reply@sdgs.example.jp>"
        ),
        # How many reverse proxies (nginx, load balancer) stand before the app: their
        # X-Forwarded-For/-Proto headers are trusted, so rate limits see the real client.
        # One line per request and the app's own messages, on stderr: json (for a log
        # collector) or text.
        # The deployed commit or release, shown on the system page (default: the checkout's HEAD).
        "PORTAL_REVISION": os.environ.get("PORTAL_REVISION", ""),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text").lower(),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in each worker's memory meanwhile rather than fail every request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "PDF_FONT_GOTHIC": os.environ.get(
            "PDF_FONT_GOTHIC", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
        ),
        "PDF_FONT_MINCHO": os.environ.get(
            "PDF_FONT_MINCHO", "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
        ),
        # Failed sign-ins (wrong password or second-factor code) allowed before a 429, per address
        # and client and per client; and how many from anywhere make the owner get one mail
        # (portal.accounts.throttle). Successful sign-ins never count.
        "SIGN_IN_FAILURES_PER_ADDRESS": os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "10 per 15 minutes"),
        "SIGN_IN_FAILURES_PER_CLIENT": os.environ.get("SIGN_IN_FAILURES_PER_CLIENT", "100 per hour"),
        "SIGN_IN_FAILURE_ALERT": os.environ.get("SIGN_IN_FAILURE_ALERT", "20 per day"),
        # Wrong second-factor codes for one account from anywhere before the password is asked
        # for again (and refused until the window has passed).
        "SECOND_FACTOR_FAILURES_PER_ACCOUNT": os.environ.get("SECOND_FACTOR_FAILURES_PER_ACCOUNT", "10 per hour"),
        # Claiming an imported registration (portal.claims): how long a letter's claim code lasts,
        # and wrong claims (identifying details or code) allowed per account and per client.
        "CLAIM_CODE_DAYS": int(os.environ.get("CLAIM_CODE_DAYS", "90")),
        "CLAIM_FAILURES_PER_USER": os.environ.get("CLAIM_FAILURES_PER_USER", "10 per hour"),
        "CLAIM_FAILURES_PER_CLIENT": os.environ.get("CLAIM_FAILURES_PER_CLIENT", "30 per hour"),
        # Inquiries (portal.inquiries): questions sent per client and, by visitors, per e-mail
        # address (each sends that address a confirmation mail), and how long a visitor's
        # mailed link to the thread works.
        "INQUIRIES_PER_CLIENT": os.environ.get("INQUIRIES_PER_CLIENT", "10 per hour"),
        "INQUIRIES_PER_ADDRESS": os.environ.get("INQUIRIES_PER_ADDRESS", "3 per day"),
        "INQUIRY_REPLIES_PER_CLIENT": os.environ.get("INQUIRY_REPLIES_PER_CLIENT", "30 per hour"),
        "INQUIRY_LINK_DAYS": int(os.environ.get("INQUIRY_LINK_DAYS", "180")),
        # Staff and partner accounts must enrol a second factor (TOTP) before any other page.
        "TWO_FACTOR_REQUIRED": _bool("TWO_FACTOR_REQUIRED", production),
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "30"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # Forms check their own token so that a stale one re-renders what was typed.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "EMAIL_TOKEN_MAX_AGE": 3 * 24 * 3600,
        "RESET_TOKEN_MAX_AGE": 3600,
    }


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why `key` is too weak to sign production sessions and links, or None when it will do.

    Sessions, password-reset and e-mail links are signed with it: a short or guessable key lets
    anyone forge them. Start-up (PORTAL_ENV=production) and `flask doctor` both ask this."""
    if not key or key == DEV_SECRET_KEY:
        problem = "SECRET_KEY is not set (it is the development default)"
    else:
        size = len(key.encode() if isinstance(key, str) else key)
        distinct = len(set(key))
        if size < SECRET_KEY_MIN_BYTES:
            problem = f"SECRET_KEY is {size} bytes long; production needs at least {SECRET_KEY_MIN_BYTES}"
        elif distinct < SECRET_KEY_MIN_DISTINCT:
            problem = (f"SECRET_KEY uses only {distinct} different characters; production needs at least "
                       f"{SECRET_KEY_MIN_DISTINCT}")
        elif (key + key).find(key, 1) < len(key):  # found inside itself doubled: a repeated block
            problem = "SECRET_KEY is one short block repeated"
        else:
            return None
    return f"{problem}. Make a random one with: {MAKE_SECRET_KEY}"


def engine_options(database_url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once.
        options["connect_args"] = {"timeout": 15}
    return options
