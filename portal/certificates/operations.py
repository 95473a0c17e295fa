"""Where the issuer settings and the ceremony prints change.

A ceremony print is a row of `ceremony_prints`: the secretariat's button queues it, and
`flask registrations run-jobs` (scheduled every minute, like `flask outbox send`) claims it with
one UPDATE — so several runners never take the same job — and renders it, committing its progress
after each certificate. A job whose runner died (no heartbeat for STALE_AFTER) is queued again.
Nothing runs in a web worker: gunicorn kills a request after its timeout and may restart a
worker at any time, and a thread in it would die with it, on one host of several.
"""
from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.applications import files
from portal.certificates import seal as seals
from portal.certificates.models import CeremonyPrint, IssuerSettings, PrintState
from portal.cohorts.models import Cohort, CohortState
from portal.core import audit
from portal.core.atomic import replaced
from portal.core.db import utcnow
from portal.core.extensions import db

TITLE_MAX = NAME_MAX = 60
SUBFOLDER = "ceremony-prints"
STALE_AFTER = timedelta(minutes=15)


class CertificateError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


ERRORS = {
    "title": _l("Enter the issuer's title, at most 60 characters."),
    "name": _l("Enter the name at most 60 characters long."),
    "seal_empty": _l("The seal image is empty."),
    "seal_size": _l("The seal image is larger than 1 MB."),
    "seal_type": _l("This file type is not accepted: send a PNG or SVG image."),
    "seal_image": _l("This file is not a usable PNG or SVG image (an SVG may not contain scripts, links or "
                     "external images; a PNG may be at most 3000 pixels on a side)."),
    "not_decided": _l("Only a decided cohort's certificates can be printed."),
    "no_registrations": _l("This cohort has no registrations to print."),
}


def error_text(error: CertificateError) -> str:
    return str(ERRORS[error.code])


def set_issuer(actor, title: str, name: str, seal_upload=None, remove_seal: bool = False) -> IssuerSettings:
    """Set who issues the certificates (title, the office holder's name) and, optionally, a new
    seal image (checked by content; CertificateError before anything is stored) or none. Every
    stored certificate whose issuer changed is made again at its next download (the issuer is
    part of its hash). Writes an audit entry."""
    title, name = (title or "").strip(), (name or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise CertificateError("title")
    if len(name) > NAME_MAX:
        raise CertificateError("name")
    stored = None
    if seal_upload is not None:
        try:
            stored = seals.store(seal_upload)
        except seals.SealRejected as error:
            raise CertificateError(f"seal_{error}") from None
    row = db.session.get(IssuerSettings, 1)
    if row is None:
        row = IssuerSettings(id=1, title=title, name=name)
        db.session.add(row)
        changes = {"title": [None, title], "name": [None, name]}
    else:
        changes = audit.diff(row, {"title": title, "name": name})
    if stored is not None:
        changes["seal"] = [row.seal_sha256, stored.sha256]
        row.seal_stored, row.seal_type, row.seal_sha256 = stored.stored_name, stored.content_type, stored.sha256
    elif remove_seal and row.seal_stored:
        changes["seal"] = [row.seal_sha256, None]
        row.seal_stored = row.seal_type = row.seal_sha256 = None
    row.updated_at = utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("certificate.issuer_set", row, changes, actor=actor)
    return row


# --- ceremony print --------------------------------------------------------------------------

def queue_ceremony_print(cohort: Cohort, actor, frame: bool = True) -> CeremonyPrint:
    """Queue the ceremony print of a decided cohort (with or without the frame). A print of the
    same cohort and kind already waiting or running is returned instead of a second one."""
    from portal.registrations.models import Registration

    if cohort.state != CohortState.DECIDED:
        raise CertificateError("not_decided")
    total = db.session.scalar(select(db.func.count()).where(Registration.cohort_id == cohort.id))
    if not total:
        raise CertificateError("no_registrations")
    waiting = db.session.scalar(select(CeremonyPrint).where(
        CeremonyPrint.cohort_id == cohort.id, CeremonyPrint.frame == frame,
        CeremonyPrint.state.in_([PrintState.QUEUED, PrintState.RUNNING])))
    if waiting is not None:
        return waiting
    job = CeremonyPrint(cohort_id=cohort.id, frame=frame, total=total, requested_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    audit.record("certificate.ceremony_print_queued", job, {"cohort": cohort.number, "frame": frame}, actor=actor)
    return job


def claim(job_id: int | None = None) -> CeremonyPrint | None:
    """Take one queued print (the oldest, or `job_id`) for this process and commit the claim;
    None when there is none (or another process took it first)."""
    while True:
        query = select(CeremonyPrint.id).where(CeremonyPrint.state == PrintState.QUEUED)
        if job_id is not None:
            query = query.where(CeremonyPrint.id == job_id)
        candidate = db.session.scalar(query.order_by(CeremonyPrint.id).limit(1))
        if candidate is None:
            return None
        now = utcnow()
        taken = db.session.execute(
            update(CeremonyPrint).where(CeremonyPrint.id == candidate, CeremonyPrint.state == PrintState.QUEUED)
            .values(state=PrintState.RUNNING, started_at=now, heartbeat_at=now, done=0, error=None)).rowcount
        db.session.commit()
        if taken:
            return db.session.get(CeremonyPrint, candidate)
        if job_id is not None:
            return None


def requeue_stale(now: datetime | None = None) -> int:
    """Queue again the prints whose runner stopped beating (its process died)."""
    limit = (now or utcnow()) - STALE_AFTER
    count = db.session.execute(
        update(CeremonyPrint).where(CeremonyPrint.state == PrintState.RUNNING, CeremonyPrint.heartbeat_at < limit)
        .values(state=PrintState.QUEUED, done=0)).rowcount
    db.session.commit()
    return count


def run(job: CeremonyPrint, progress: Callable[[int], None] | None = None) -> CeremonyPrint:
    """Render a claimed print: every registration of the cohort in number order, one page each
    (the registrant's cached certificate when framed), into one PDF stored under UPLOAD_FOLDER.
    Commits its progress after each certificate; a failure is stored on the job (state failed)."""
    from pypdf import PdfReader, PdfWriter

    from portal.certificates.issuer import certificate_inputs
    from portal.core.i18n import today_jst
    from portal.registrations import details, documents
    from portal.registrations.models import Registration

    job_id = job.id
    try:
        registrations = db.session.scalars(select(Registration).where(Registration.cohort_id == job.cohort_id)
                                           .order_by(Registration.sequence)).all()
        today = today_jst()
        versions = details.current_for([registration.id for registration in registrations])
        issuer = certificate_inputs()
        entries = [documents.certificate_data(registration, today, versions.get(registration.id), issuer)
                   for registration in registrations]
        frame = job.frame
        job.total = len(entries)
        db.session.commit()
        writer = PdfWriter()
        for index, data in enumerate(entries, start=1):
            pdf = documents.certificate_file(data)[0] if frame else documents.render_unframed(data)
            for page in PdfReader(io.BytesIO(pdf)).pages:
                writer.add_page(page)
            db.session.execute(update(CeremonyPrint).where(CeremonyPrint.id == job_id)
                               .values(done=index, heartbeat_at=utcnow()))
            db.session.commit()
            if progress is not None:
                progress(1)
        stored_name = secrets.token_hex(16)
        target = files.folder(SUBFOLDER) / stored_name
        with replaced(target) as file:
            writer.write(file)
        job = db.session.get(CeremonyPrint, job_id)
        _remove_earlier(job)
        job.state, job.stored_name, job.size = PrintState.DONE, stored_name, target.stat().st_size
        job.finished_at = utcnow()
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("ceremony print %s failed", job_id)
        job = db.session.get(CeremonyPrint, job_id)
        job.state, job.error, job.finished_at = PrintState.FAILED, f"{type(error).__name__}: {error}"[:2000], utcnow()
        db.session.commit()
    return job


def run_jobs(limit: int | None = None) -> list[CeremonyPrint]:
    """`flask registrations run-jobs`: queue stale prints again, then run queued prints until none
    is left (or `limit` were run). Safe in several processes at once."""
    requeue_stale()
    finished = []
    while limit is None or len(finished) < limit:
        job = claim()
        if job is None:
            break
        finished.append(run(job))
    return finished


def path_of(job: CeremonyPrint) -> Path:
    return files.path_of(job.stored_name, SUBFOLDER)


def _remove_earlier(job: CeremonyPrint) -> None:
    """An earlier finished print of the same cohort and kind is superseded: its file goes."""
    earlier = db.session.scalars(select(CeremonyPrint).where(
        CeremonyPrint.cohort_id == job.cohort_id, CeremonyPrint.frame == job.frame, CeremonyPrint.id != job.id,
        CeremonyPrint.stored_name.is_not(None))).all()
    for old in earlier:
        path_of(old).unlink(missing_ok=True)
        old.stored_name = None


