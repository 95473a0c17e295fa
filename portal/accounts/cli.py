"""`flask users …`: the first secretariat account, and accounts from scripts."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.accounts import passwords
from portal.core.extensions import db
from portal.core.roles import Role

users = AppGroup("users", help="User accounts.")

# The rules of portal.accounts.passwords, said plainly to an operator.
CLI_REFUSALS = {
    "length": "the password needs at least 10 characters (and at most 128)",
    "common": "the password is one of the most common passwords; choose another (a few unrelated words)",
    "email": "the password must not contain the e-mail address; choose another",
}


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", type=click.Choice([r.value for r in Role if r != Role.APPLICANT]), default="secretariat")
@click.option("--partner", "partner_code", help="Partner institution code (for --role partner).")
@click.option("--locale", type=click.Choice(["ja", "en"]), default="ja")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create(email, name, role, partner_code, locale, password):
    """Create a staff, partner or Kumamoto City account with a password (e.g. the first secretariat)."""
    from sqlalchemy import select

    from portal.accounts import operations
    from portal.partners.models import PartnerInstitution

    partner = None
    if role == Role.PARTNER:
        partner = db.session.scalar(select(PartnerInstitution).where(PartnerInstitution.code == partner_code))
        if partner is None:
            click.echo(f"unknown partner institution {partner_code!r}", err=True)
            sys.exit(1)
    refused = passwords.problem(password, email)
    if refused is not None:
        click.echo(CLI_REFUSALS[refused], err=True)
        sys.exit(1)
    try:
        user = operations.create_account(email, name, Role(role), locale, partner=partner, password=password)
    except operations.AccountError:
        click.echo(f"an account for {email} already exists", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {role} account {user.email}")
