"""What `flask doctor` checks; each check returns (ok, plain message)."""
from __future__ import annotations

import ctypes.util
from typing import Callable

from flask import current_app
from sqlalchemy import text

from portal.core.extensions import db


def checks() -> list[Callable[[], tuple[bool, str]]]:
    from portal.certificates.mark import check_mark
    from portal.logos.variants import check_artwork

    return [database, migrations, fonts, pdf_rendering, harfbuzz_subset, mail_settings, rate_limit_storage, secret_key,
            base_url, check_artwork, check_mark]


def database() -> tuple[bool, str]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        return False, f"database does not answer: {error}"
    return True, f"database answers ({db.engine.url.render_as_string(hide_password=True)})"


def migration_scripts():
    """Alembic's view of migrations/ (the app's Flask-Migrate configuration)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def migration_state() -> tuple[set[str], set[str]]:
    """(the database's current revisions, the newest revisions of migrations/); raises if the
    database cannot be read."""
    from alembic.runtime.migration import MigrationContext

    heads = set(migration_scripts().get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, heads


def migrations() -> tuple[bool, str]:
    try:
        current, heads = migration_state()
    except Exception as error:
        return False, f"cannot read the migration state: {error}"
    if current != heads:
        return False, (
            f"database is at migration {', '.join(sorted(current)) or 'none'}, newest is "
            f"{', '.join(sorted(heads))}: run `flask --app app db upgrade`"
        )
    return True, f"migrations at head ({', '.join(sorted(heads))})"


def fonts() -> tuple[bool, str]:
    from portal.core.pdf import check_fonts, font_paths

    problems = check_fonts()
    if problems:
        return False, "; ".join(problems)
    return True, "Japanese fonts present (" + ", ".join(str(p) for p in font_paths().values()) + ")"


def pdf_rendering() -> tuple[bool, str]:
    from portal.core.pdf import FontMissingError, embedded_fonts, render_pdf

    try:
        pdf = render_pdf("pdf/doctor.html")
    except FontMissingError as error:
        return False, f"cannot render PDFs: {error}"
    except Exception as error:
        return False, f"cannot render PDFs: {type(error).__name__}: {error}"
    names = embedded_fonts(pdf)
    if not any("IPAex" in name for name in names):
        return False, f"a test PDF does not embed IPAex (it embeds {sorted(names) or 'no fonts'})"
    return True, "a test PDF renders with IPAex embedded"


def harfbuzz_subset() -> tuple[bool, str]:
    if ctypes.util.find_library("harfbuzz-subset"):
        return True, "libharfbuzz-subset found (fast font subsetting)"
    return False, "libharfbuzz-subset not found: install the Debian package libharfbuzz-subset0 (PDFs are ~10x slower)"


def mail_settings() -> tuple[bool, str]:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return True, f"no MAIL_SERVER: mails are written to {config['MAIL_FOLDER']}"
    if not config["MAIL_DEFAULT_SENDER"]:
        return False, "MAIL_SERVER is set but MAIL_DEFAULT_SENDER is empty"
    if config["MAIL_USERNAME"] and not config["MAIL_PASSWORD"]:
        return False, "MAIL_USERNAME is set but MAIL_PASSWORD is empty"
    return True, f"mail goes to {config['MAIL_SERVER']}:{config['MAIL_PORT']}"


def rate_limit_storage() -> tuple[bool, str]:
    """Where sign-in throttling counts: Redis (shared by every worker) must answer; memory is
    per worker, fine locally but not behind several production workers."""
    from limits.storage import storage_from_string

    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        if current_app.config["PRODUCTION"]:
            return False, "rate limits are counted in each worker's memory: set RATELIMIT_STORAGE_URI to Redis"
        return True, "rate limits are counted in memory (fine for one process; use Redis in production)"
    scheme, _, rest = uri.partition("://")
    shown = f"{scheme}://{rest.split('@')[-1]}"  # no password in the output
    try:
        answers = storage_from_string(uri).check()
    except Exception as error:
        return False, f"rate-limit storage {shown} cannot be used: {type(error).__name__}: {error}"
    if not answers:
        return False, f"rate-limit storage {shown} does not answer"
    return True, f"rate-limit storage answers ({shown})"


def secret_key() -> tuple[bool, str]:
    """The key production would accept (portal.config.secret_key_problem, as at start-up)."""
    from portal.config import secret_key_problem

    problem = secret_key_problem(current_app.config["SECRET_KEY"])
    if problem is None:
        return True, "SECRET_KEY is set (long and varied enough for production)"
    if current_app.config["PRODUCTION"]:
        return False, problem
    return True, f"fine locally, but production would refuse it: {problem}"


_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def base_url() -> tuple[bool, str]:
    """PORTAL_BASE_URL is printed under every certificate's QR code and in every mail: in
    production it must be the public address, never this machine."""
    from urllib.parse import urlsplit

    url = current_app.config["PORTAL_BASE_URL"]
    host = (urlsplit(url).hostname or "").lower()
    local = host in _LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")
    if local and current_app.config["PRODUCTION"]:
        return False, (f"PORTAL_BASE_URL is {url}: certificates, QR codes and mails would point at this machine; "
                       "set it to the portal's public address (https://…)")
    if not host:
        return False, f"PORTAL_BASE_URL ({url!r}) is not an address"
    return True, f"links in certificates and mails point at {url}"
