"""In-process cost of making the heavy pages: each rendered N times with the Flask test client,
CPU milliseconds per request printed (median and best, and the median spent rendering templates),
optionally a cProfile of one page.

    .venv/bin/python bench/templates.py --folder /tmp/bench-pages            # seeds once, then measures
    .venv/bin/python bench/templates.py --folder /tmp/bench-pages -n 50 --profile review

The database (SQLite, built from the migrations and seeded with bench/fixture.py: 1,000
registrants, 5,000 applications) is kept in `--folder` and reused by later runs, so that
measurements before and after a change are made on the same rows. No HTTP server, no wrk: what
is measured is the application's own time per request (SQL, Python, templates), one at a time.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import fixture  # noqa: E402
import run  # noqa: E402  (make_app, migrate_and_seed)


def pages(fx: fixture.Fixture) -> list[tuple[str, str, str | None]]:
    """(key, path, user) of the pages measured."""
    return [
        ("review", "/staff/review/", "reviewer"),
        ("directory", "/registrants?" + urlencode({"q": "株式会社", "page": 3}), "reviewer"),
        ("registrant", f"/registrants/{fx.listed_number}", "reviewer"),
        ("kpi", "/staff/kpi/", "secretariat"),
        ("staff_home", "/staff/", "reviewer"),
    ]


def database(folder: Path, registrants: int, applications: int):
    """The app bound to the seeded database in `folder` (seeded on first use) and its fixture."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    saved = folder / "fixture.json"
    if saved.exists():
        return run.make_app(url, folder), fixture.Fixture(**json.loads(saved.read_text()))
    started = time.perf_counter()
    db, app = run.migrate_and_seed("sqlite", url, folder, registrants, applications, decision_size=100)
    saved.write_text(json.dumps(asdict(db.fx)))
    print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return app, db.fx


def client_for(app, fx: fixture.Fixture, user: str | None, lang: str):
    from portal.accounts.models import User
    from portal.core.extensions import db

    client = app.test_client()
    if user:
        with app.app_context():
            session_id = db.session.get(User, {"reviewer": fx.reviewer_id, "secretariat": fx.secretariat_id}[user]).get_id()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    client.get(f"/?lang={lang}").close()  # the language is remembered in the session
    return client


class TemplateClock:
    """Time spent in Jinja rendering (flask.templating._render, what render_template calls)."""

    def __init__(self):
        import flask.templating

        self.total = 0.0
        original = flask.templating._render

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.total += time.thread_time() - started

        flask.templating._render = timed


def measure(client, path: str, n: int, clock: TemplateClock) -> tuple[list[float], list[float]]:
    """CPU milliseconds per request (this thread's: what other processes on a shared machine do
    counts less than in wall time), and of them in templates, for `n` requests after a warm-up."""
    client.get(path).close()  # warm-up: first render compiles templates, fills caches
    times, in_templates = [], []
    for _ in range(n):
        clock.total = 0.0
        started = time.thread_time()
        response = client.get(path)
        response.get_data()
        times.append((time.thread_time() - started) * 1000)
        in_templates.append(clock.total * 1000)
        assert response.status_code == 200, (path, response.status_code)
        response.close()
    return times, in_templates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/bench-pages"))
    parser.add_argument("--registrants", type=int, default=1000)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("-n", type=int, default=30, help="requests per page (after one warm-up)")
    parser.add_argument("--lang", default="ja", choices=("ja", "en"))
    parser.add_argument("--only", help="measure this page only (a key: review, directory, …)")
    parser.add_argument("--profile", help="cProfile this page (a key) and print the top functions")
    args = parser.parse_args(argv)

    os.environ.setdefault("PORTAL_ENV", "development")
    app, fx = database(args.folder, args.registrants, args.applications)
    clock = TemplateClock()
    for key, path, user in pages(fx):
        if args.only and key != args.only:
            continue
        client = client_for(app, fx, user, args.lang)
        if args.profile == key:
            client.get(path).close()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                client.get(path).close()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
            continue
        times, in_templates = measure(client, path, args.n, clock)
        print(f"{key:<12} {args.lang}  median {statistics.median(times):7.2f} ms   best {min(times):7.2f} ms   "
              f"templates {statistics.median(in_templates):6.2f} ms   {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
