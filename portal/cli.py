"""Command-line interface: `flask --app app <command>`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

ROOT = Path(__file__).resolve().parent.parent


def init_app(app: Flask) -> None:
    from portal.accounts.cli import users
    from portal.demo import seed_demo
    from portal.logos.cli import logos
    from portal.organisations.cli import organisations
    from portal.registrations.cli import import_registrants, registrations
    from portal.kpi.cli import report
    from portal.seminars.cli import seminars
    from portal.reports.cli import reports

    app.cli.add_command(doctor)
    app.cli.add_command(outbox)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(page_cache_group)
    app.cli.add_command(translate)
    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(registrations)
    app.cli.add_command(report)
    app.cli.add_command(import_registrants)
    app.cli.add_command(logos)
    app.cli.add_command(seminars)
    app.cli.add_command(reports)
    app.cli.add_command(organisations)


@click.command()
@with_appcontext
def doctor():
    """Check database, migrations, Japanese font, harfbuzz-subset and mail settings."""
    from portal.core import diagnostics

    problems = 0
    for check in diagnostics.checks():
        ok, message = check()
        click.echo(("ok      " if ok else "PROBLEM ") + message)
        problems += not ok
    if problems:
        click.echo(f"{problems} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All checks passed.")


outbox = AppGroup("outbox", help="The mail outbox.")


@outbox.command("send")
@click.option("--limit", type=int, default=None, help="Send at most this many mails.")
@click.option("--now", "skip_backoff", is_flag=True,
              help="Also the mails waiting for their next retry (once the mail server is back).")
def outbox_send(limit, skip_backoff):
    """Send pending mail (safe to run in several processes at once)."""
    from portal.core.outbox import send_pending

    sent, failed = send_pending(limit, skip_backoff=skip_backoff)
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        sys.exit(1)


@outbox.command("status")
def outbox_status():
    """Show how many mails are pending, sending, sent and failed."""
    from portal.core.outbox import pending_counts

    counts = pending_counts()
    for state in ("pending", "sending", "sent", "failed"):
        click.echo(f"{state:8} {counts.get(state, 0)}")


@click.command("backup")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--files-only", is_flag=True, help="Only the uploaded files (with PostgreSQL, whose database pg_dump saves).")
@with_appcontext
def backup_command(output, files_only):
    """Save the SQLite database (online) and the uploaded files in one .tar.gz.

    OUTPUT defaults to instance/backups/portal-<UTC time>.tar.gz."""
    from portal.core import backup

    try:
        summary = backup.backup(output or backup.default_output(), files_only=files_only)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(summary.manifest["tables"].values())
    click.echo(f"backup written to {summary.path}: {len(summary.manifest['tables'])} tables, {rows} rows, "
               f"{summary.manifest['files']} files, migration {', '.join(summary.manifest['migration'])}")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive, yes):
    """Replace the database (SQLite) and the uploaded files with a backup's. Stop the portal first."""
    from portal.core import backup

    if not yes:
        click.confirm(f"Replace the portal's data and files with {archive}?", abort=True)
    try:
        summary = backup.restore(archive)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {archive} (made {summary.manifest['created_at']} UTC, migration "
               f"{', '.join(summary.manifest['migration'])}); the files it replaced were moved aside. "
               "Run `flask db upgrade` if the backup is from an older version.")


page_cache_group = AppGroup("page-cache", help="Pages kept under data generations (PAGE_CACHE_URL).")


@page_cache_group.command("clear")
def page_cache_clear():
    """Drop every kept page: after restoring the database from a backup (pg_restore), whose data
    generations are older than the pages kept since. (`flask restore` does it itself.)"""
    from portal.core import page_cache

    page_cache.clear()
    click.echo("page cache cleared")


translate = AppGroup("translate", help="Translation catalogues (Babel).")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate.command("extract")
def translate_extract():
    """Extract messages into translations/messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-o", "translations/messages.pot", ".")


@translate.command("update")
def translate_update():
    """Extract, then merge new messages into every catalogue.

    The source strings are English, so the English catalogue is filled with them; every
    other catalogue lists what is new for a translator (`flask translate missing`).
    """
    translate_extract.callback()
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching",
             "--ignore-obsolete")
    for path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        _tidy(path, fill=path.parts[-3] == "en")


def _tidy(path: Path, fill: bool) -> None:
    """Write the catalogue at the width it is kept in (pybabel's own is 76, and would rewrap every
    long entry); `fill`: the English catalogue's translations are its source strings."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    if fill:
        for message in catalog:
            if message.id and not all(message.string if isinstance(message.string, tuple) else (message.string,)):
                message.string = message.id  # for a plural, the (singular, plural) pair
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


@translate.command("missing")
@click.argument("lang", default="ja")
def translate_missing(lang):
    """List the messages of a catalogue that have no translation yet (exit 1 if any)."""
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [m for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string))
                                               or m.fuzzy)]
    for message in missing:
        click.echo(message.id if isinstance(message.id, str) else message.id[0])
    if missing:
        sys.exit(1)


@translate.command("compile")
def translate_compile():
    """Compile catalogues to .mo files (done by the set-up commands)."""
    _pybabel("compile", "-d", "translations")


@translate.command("init")
@click.argument("lang")
def translate_init(lang):
    """Start a catalogue for a new language."""
    _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", lang)
