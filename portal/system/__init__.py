"""The secretariat's system page: the mail outbox, recent errors, migrations and version."""
