"""Accounts: sign-up with e-mail verification, log in and out, password reset, profile."""
