"""`flask reports …`: reminders to registrants who have not reported."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.core.i18n import today_jst

reports = AppGroup("reports", help="Yearly progress reports on key actions (reminders).")


@reports.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act as (YYYY-MM-DD, JST); default: today.")
def remind(today):
    """Mail the members of every active registration that has not reported in an open period.
    Each registration is reminded at most once per period: safe to run daily."""
    from portal.reports.operations import send_reminders

    result = send_reminders(today.date() if today is not None else today_jst())
    db.session.commit()
    click.echo(f"reminders: {result.mails} mail(s) queued for {result.registrations} registration(s)")
