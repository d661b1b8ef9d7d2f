"""Web benchmark: p50/p95 page times for the queue, the calendar, the log, accounts and more on a big SQLite database.

Every page is fetched as an admin, so each also pays for the layout's failing-accounts banner.

Run: .venv/bin/python benchmarks/web.py [--posts 100000] [--log 100000] [--runs 50]
Target (issue 4): p95 at most 100 ms for each page with 100,000 posts and 100,000 log entries.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from recovery_voice.accounts import sync_accounts
from recovery_voice.config import parse_config
from recovery_voice.db import engine_of, make_engine, session_factory, transaction, upgrade
from recovery_voice.models import Delivery, LogEntry, Post
from recovery_voice.users import create_or_update_user
from recovery_voice.web import create_app

STATUSES = ("scheduled",) * 6 + ("published",) * 3 + ("pending", "cancelled", "paused")
EVENTS = ("published",) * 5 + ("queued", "approved", "retry", "failed", "cancelled")


def setup(folder: Path, posts: int, entries: int, database_url: str | None = None):
    """Make a config and a database holding `posts` posts (one delivery each) and `entries` log entries."""
    config = parse_config({
        "database": {"url": database_url or f"sqlite:///{folder / 'bench.db'}"},
        "accounts": [{"name": "outbox", "platform": "outbox", "path": str(folder / "outbox.jsonl")}],
    }, None)
    engine = make_engine(config.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    now, rng = datetime.now(timezone.utc), random.Random(4)
    with transaction(sessions) as session:
        account_id = sync_accounts(session, config)["outbox"].id
        create_or_update_user(session, "bench@example.org", "benchmark password", "admin")
    # Plain connections: the ORM's bulk path takes minutes and gigabytes for a million rows.
    with engine_of(sessions).begin() as connection:
        for start in range(0, posts, 5000):
            rows = range(start, min(start + 5000, posts))
            # Two years either side of now: a busy organisation's history and plans.
            due = {i: now + timedelta(minutes=rng.randint(-525_600, 525_600)) for i in rows}
            connection.execute(insert(Post), [{"id": i + 1, "status": STATUSES[i % len(STATUSES)], "text": f"Post {i}: come as you are.",
                                               "when": "next-slot", "voice": "organisation", "findings": [], "created_at": now,
                                               "created_by": "bench@example.org" if i % 10 == 0 else None}
                                              for i in rows])
            connection.execute(insert(Delivery), [{"post_id": i + 1, "account_id": account_id, "status": STATUSES[i % len(STATUSES)],
                                                   "due_at": due[i], "run_at": due[i], "attempts": 0} for i in rows])
        for start in range(0, entries, 5000):
            connection.execute(insert(LogEntry), [{"at": now - timedelta(minutes=rng.randint(0, 525_600)),
                                                   "event": EVENTS[i % len(EVENTS)], "post_id": i % posts + 1,
                                                   "account": "outbox", "url": f"outbox:{i}"}
                                                  for i in range(start, min(start + 5000, entries))])
    return config, sessions


def measure(client, path: str, runs: int) -> tuple[float, float]:
    """Fetch a page `runs` times and return its p50 and p95 in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


PAGES = {"queue": "/queue", "queue page 20": "/queue?page=20", "calendar week": "/calendar",
         "calendar month": "/calendar?view=month", "log": "/log", "log filtered": "/log?outcome=failed",
         "log by dates": f"/log?since={(datetime.now() - timedelta(days=30)).date()}&until={datetime.now().date()}",
         "my posts": "/posts/mine", "my posts page 20": "/posts/mine?page=20", "post and history": "/posts/5001",
         "review": "/review", "accounts": "/accounts", "calendar month, one account": "/calendar?view=month&account=outbox",
         "calendar next month": f"/calendar?view=month&start={(datetime.now() + timedelta(days=31)).date()}"}


def time_pages(config, sessions, runs: int) -> dict[str, tuple[float, float]]:
    """Sign in as the benchmark admin and return each page's p50 and p95 in milliseconds."""
    app = create_app(config, sessions, secret_key="benchmark")
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "benchmark password"})
    return {name: measure(client, path, runs) for name, path in PAGES.items()}


def print_times(times: dict[str, tuple[float, float]]) -> None:
    """Print the page times as a table, marking any over the target."""
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in times.items():
        print(f"{name:<28} {p50:8.1f} {p95:8.1f}{'' if p95 <= 100 else '  (over the 100 ms target)'}")


def main():
    """Build the database, sign in as an admin and time each page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--log", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", help="an empty database to fill (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        config, sessions = setup(Path(folder), args.posts, args.log, args.database_url)
        print(f"{args.posts} posts and {args.log} log entries made in {time.perf_counter() - started:.1f} s")
        print_times(time_pages(config, sessions, args.runs))


if __name__ == "__main__":
    main()
