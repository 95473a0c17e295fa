"""`flask organisations …`: the one-off notice to organisations listed again."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.extensions import db

organisations = AppGroup("organisations", help="Organisations (notices about the public directory).")


@organisations.command("notify-relisted")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act as (YYYY-MM-DD, JST); default: today.")
def notify_relisted(today):
    """Mail the members of every organisation that had withdrawn from the public directory (and
    is listed again since migration 0015) why it is listed. Each organisation is told once:
    run it after `db upgrade`; running it again sends nothing."""
    from portal.organisations.operations import send_listing_notices

    result = send_listing_notices(today.date() if today is not None else None)
    db.session.commit()
    click.echo(f"listing notices: {result.mails} mail(s) queued for {result.organisations} organisation(s)")
