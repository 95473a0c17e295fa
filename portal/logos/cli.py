"""`flask logos …`: the daily run — reminders before a permit ends, and the end of permits."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.extensions import db

logos = AppGroup("logos", help="「Kumamoto for SDGs」 logo permits.")


@logos.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act as (YYYY-MM-DD, JST); default: today.")
def remind(today):
    """Mail the holders of every permit that ends within two months (once per permit), and end
    the permits whose last day has passed, telling their holders to stop using the logo. Safe to
    run daily and more than once."""
    from portal.logos.operations import run_daily

    result = run_daily(today.date() if today else None)
    db.session.commit()
    click.echo(f"reminded: {result.reminded} permit(s); ended: {result.expired} permit(s)")
