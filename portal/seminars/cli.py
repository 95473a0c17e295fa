"""`flask seminars …`: the reminder the day before each seminar."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST

seminars = AppGroup("seminars", help="Follow-up seminars (reminders).")


@seminars.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act as (YYYY-MM-DD, JST); default: today.")
def remind(today):
    """Mail the contact of every confirmed sign-up for a seminar that starts tomorrow (JST),
    once per sign-up: safe to run as often as wished (daily, or hourly)."""
    from portal.seminars.operations import send_reminders

    now = utcnow()
    if today is not None:
        now = datetime.combine(today.date(), now.astimezone(JST).timetz())
    result = send_reminders(now)
    db.session.commit()
    click.echo(f"reminders: {result.mails} mail(s) queued for {result.seminars} seminar(s) tomorrow")
