"""What every feature uses: extensions, database conventions, permissions, audit, mail, PDF, i18n."""
