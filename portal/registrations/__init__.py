"""Registrations: created by a cohort decision, renewed every three years."""
