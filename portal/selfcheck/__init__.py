"""自己診断 — the anonymous self-check against the registration checklist."""
