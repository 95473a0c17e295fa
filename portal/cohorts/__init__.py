"""Cohorts (期): intakes of applications, decided by the secretariat in one act."""
