"""`flask registrations …`: the daily reminders before a registration's term ends, and the
ceremony prints (every certificate of a cohort in one PDF), made now or by `run-jobs`."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup, with_appcontext

from portal.core.db import analyze
from portal.core.extensions import db

registrations = AppGroup("registrations", help="Registrations (terms, reminders, ceremony prints).")


@registrations.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act as (YYYY-MM-DD, JST); default: today.")
def remind(today):
    """Mail the members of every registration whose term ends within six months, then within
    one month, with the renewal link (each reminder once per term; safe to run daily)."""
    from portal.registrations.operations import send_term_reminders

    day: date | None = today.date() if today else None
    result = send_term_reminders(day)
    db.session.commit()
    click.echo(f"6-month reminders: {result.six_months} registration(s); 1-month reminders: "
               f"{result.one_month} registration(s); {result.mails} mail(s) queued")


@click.command("import-registrants")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--cohort", "cohort_number", type=click.IntRange(1, 99), required=True,
              help="The cohort (期) the registrants were decided in.")
@click.option("--decided-on", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The decision date (YYYY-MM-DD); the terms run three years from it.")
@with_appcontext
def import_registrants(file, cohort_number, decided_on):
    """Import already-registered entities from a CSV file (UTF-8 or CP932): all or nothing,
    every bad row named as `line N: column: reason`."""
    from portal.registrations.importer import ImportRefused, import_rows, read_file

    try:
        rows = read_file(file)
        with click.progressbar(length=len(rows), label="checking rows", file=sys.stderr) as bar:
            result = import_rows(rows, cohort_number, decided_on.date(), progress=bar.update)
        db.session.commit()
        analyze(db.session)  # a cohort's worth of rows at once: the planner should know
    except ImportRefused as refused:
        db.session.rollback()
        for error in refused.errors:
            click.echo(error, err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"cohort {result.cohort_number}: {result.created} registration(s) imported "
               f"({result.first_number}–{result.last_number}), {result.in_city} in Kumamoto City"
               + (f"; {result.mismatches} postal code(s) disagree with the address (flagged for staff)"
                  if result.mismatches else ""))


@registrations.command("ceremony-print")
@click.option("--cohort", "cohort_number", type=click.IntRange(1, 99), required=True,
              help="The decided cohort (期) whose certificates to print.")
@click.option("--no-frame", is_flag=True, help="Leave out the frame, for pre-printed certificate paper.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also copy the PDF to this file.")
def ceremony_print(cohort_number, no_frame, output):
    """Every certificate of a decided cohort in one PDF, one per page (in number order), now;
    the secretariat's page of ceremony prints shows it and offers it for download."""
    import shutil

    from sqlalchemy import select

    from portal.certificates import operations
    from portal.certificates.models import PrintState
    from portal.cohorts.models import Cohort

    cohort = db.session.scalar(select(Cohort).where(Cohort.number == cohort_number))
    if cohort is None:
        raise click.ClickException(f"there is no cohort {cohort_number}")
    try:
        job = operations.queue_ceremony_print(cohort, None, frame=not no_frame)
    except operations.CertificateError as error:
        problem = {"not_decided": "is not decided yet", "no_registrations": "has no registrations"}[error.code]
        raise click.ClickException(f"cohort {cohort_number} {problem}: there is nothing to print") from None
    db.session.commit()
    job = operations.claim(job.id)
    if job is None:
        raise click.ClickException("another process is making this print already (see the ceremony prints page)")
    with click.progressbar(length=job.total, label="certificates", file=sys.stderr) as bar:
        job = operations.run(job, progress=bar.update)
    if job.state != PrintState.DONE:
        raise click.ClickException(f"the print failed: {job.error}")
    path = operations.path_of(job)
    if output:
        shutil.copyfile(path, output)
    click.echo(f"cohort {cohort_number}: {job.total} certificate(s) in one PDF ({job.size} bytes), "
               f"{'with' if job.frame else 'without'} the frame: {output or path}")


@registrations.command("run-jobs")
@click.option("--limit", type=int, default=None, help="Run at most this many jobs.")
def run_jobs(limit):
    """Make the ceremony prints the secretariat queued (safe to run in several processes at once;
    schedule it every minute, like `flask outbox send`)."""
    from portal.certificates import operations
    from portal.certificates.models import PrintState

    finished = operations.run_jobs(limit)
    failed = sum(job.state == PrintState.FAILED for job in finished)
    click.echo(f"ceremony prints: {len(finished) - failed} made, {failed} failed")
    if failed:
        sys.exit(1)
