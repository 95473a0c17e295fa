"""`flask registrations …`: the daily reminders before a registration's term ends."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

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
