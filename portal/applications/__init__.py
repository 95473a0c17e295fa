"""Applications: drafts, submission as frozen revisions, corrections, withdrawal, renewal."""
