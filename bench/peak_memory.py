"""Peak memory of one large download, measured in a process of its own (bench/run.py runs it).

    python bench/peak_memory.py xlsx --database-url URL --user-id N --folder DIR
    python bench/peak_memory.py zip  --database-url URL --user-id N --folder DIR --cohort-id N

`xlsx`: the staff registrations list exported as XLSX (every registration, no filter).
`zip`:  every certificate of a decided cohort in one zip (rendered now when not cached).

The request goes through the Flask test client (the same WSGI application gunicorn serves),
signed in as the given staff user, and its body is read to the end a chunk at a time, the way
a server sends it. Before it, a small warm-up request of the same kind (an export of no rows;
one certificate of another cohort) imports and initialises what the download needs, so that
the figure is what the rows or certificates add, not the cost of the libraries.

Prints one JSON line: the process's peak resident memory (VmHWM in /proc/self/status) after
the warm-up and after the download, the growth between the two, the bytes sent and the seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_mb() -> float:
    """The process's peak resident set so far, in MB: VmHWM, the high-water mark of this
    program's memory. (getrusage's ru_maxrss would do, but it carries the peak of the process
    that started this one over the exec: bench/run.py's, larger than anything measured here.)"""
    return _status_mb("VmHWM")


def current_mb() -> float:
    return _status_mb("VmRSS")


def download(client, path: str) -> tuple[int, int]:
    """GET `path` and read the body chunk by chunk, as a server would: (status, bytes)."""
    response = client.get(path, buffered=False)
    size = 0
    try:
        for chunk in response.iter_encoded():
            size += len(chunk)
    finally:
        response.close()
    return response.status_code, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("xlsx", "zip"))
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user-id", type=int, required=True, help="a secretariat user")
    parser.add_argument("--folder", required=True, help="instance and upload folder (certificate cache)")
    parser.add_argument("--cohort-id", type=int, help="zip: the decided cohort")
    parser.add_argument("--warm-up-registration", type=int, help="zip: a registration of another cohort")
    args = parser.parse_args(argv)

    folder = Path(args.folder)
    os.environ["PORTAL_INSTANCE_PATH"] = str(folder / "instance")
    from portal import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench", "MAIL_SERVER": "",
        "MAIL_FOLDER": str(folder / "mail"), "UPLOAD_FOLDER": str(folder / "uploads"),
        "PORTAL_BASE_URL": "https://sdgs.example.jp", "RATELIMIT_STORAGE_URI": "memory://",
    })
    client = app.test_client()
    from portal.accounts.models import User
    from portal.core.extensions import db

    with app.app_context():
        session_id = db.session.get(User, args.user_id).get_id()  # the id and the session token
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True

    if args.what == "xlsx":
        warm_up, path = "/staff/registrations/export.xlsx?q=bench-no-such-name", "/staff/registrations/export.xlsx"
    else:
        if not args.cohort_id or not args.warm_up_registration:
            parser.error("zip needs --cohort-id and --warm-up-registration")
        warm_up = f"/registrations/{args.warm_up_registration}/certificate.pdf"
        path = f"/staff/cohorts/{args.cohort_id}/certificates.zip"

    status, _size = download(client, warm_up)
    if status != 200:
        raise SystemExit(f"warm-up {warm_up} answered {status}")
    before, current_before = peak_mb(), current_mb()
    started = time.perf_counter()
    status, size = download(client, path)
    seconds = time.perf_counter() - started
    after = peak_mb()
    print(json.dumps({
        "what": args.what, "status": status, "bytes": size, "seconds": round(seconds, 2),
        "peak_before_mb": round(before, 1), "rss_before_mb": round(current_before, 1),
        "peak_after_mb": round(after, 1), "rss_after_mb": round(current_mb(), 1),
        "growth_mb": round(after - before, 1),
    }))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
