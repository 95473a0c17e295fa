"""`flask registrations …`: the daily reminders before a registration's term ends."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup, with_appcontext

from portal.core.extensions import db

registrations = AppGroup("registrations", help="Registrations (terms, reminders).")


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
    except ImportRefused as refused:
        db.session.rollback()
        for error in refused.errors:
            click.echo(error, err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"cohort {result.cohort_number}: {result.created} registration(s) imported "
               f"({result.first_number}–{result.last_number}), {result.in_city} in Kumamoto City"
               + (f"; {result.mismatches} postal code(s) disagree with the address (flagged for staff)"
                  if result.mismatches else ""))
