"""Dispatch benchmark: posts per second for one worker on SQLite, and lateness of timed posts.

Run: .venv/bin/python benchmarks/dispatch.py [--posts 10000] [--timed 200] [--spacing 0.1]
Targets (issue 2): at least 500 posts/s per worker on SQLite; p99 lateness under 1 s.
"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bulk
from recovery_voice.config import parse_config
from recovery_voice.db import make_engine, session_factory, transaction, upgrade
from recovery_voice.accounts import sync_accounts
from recovery_voice.timer import make_scheduler
from recovery_voice.worker import Worker


def setup(folder: Path, recheck: float = 15):
    """Make a config, a migrated SQLite database and a worker publishing to an outbox."""
    config = parse_config({
        "database": {"url": f"sqlite:///{folder / 'bench.db'}"},
        "worker": {"recheck_seconds": recheck, "batch_size": 50},
        "accounts": [{"name": "outbox", "platform": "outbox", "path": str(folder / "outbox.jsonl")}],
    }, None)
    engine = make_engine(config.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    return config, sessions, Worker(config, sessions)


def add_scheduled(sessions, config, due_times: list[datetime]) -> None:
    """Insert approved outbox posts due at the given times."""
    with transaction(sessions) as session:
        account_id = sync_accounts(session, config)["outbox"].id
    bulk.add_scheduled(sessions, [(account_id, due, f"Benchmark post {i}: recovery is possible.")
                                  for i, due in enumerate(due_times)])


def throughput(count: int) -> float:
    """Publish `count` due posts with one worker and return posts per second."""
    with tempfile.TemporaryDirectory() as folder:
        config, sessions, worker = setup(Path(folder))
        add_scheduled(sessions, config, [datetime.now(timezone.utc) - timedelta(seconds=1)] * count)
        started = time.perf_counter()
        published = worker.run_due()
        elapsed = time.perf_counter() - started
        lines = (Path(folder) / "outbox.jsonl").read_text().count("\n")
        assert published == count == lines, (published, lines)
        return count / elapsed


def lateness(count: int, spacing: float) -> list[float]:
    """Run the real APScheduler timer on posts due at distinct times; return each one's lateness."""
    with tempfile.TemporaryDirectory() as folder:
        config, sessions, worker = setup(Path(folder), recheck=60)
        start = datetime.now(timezone.utc) + timedelta(seconds=2)
        due = [start + timedelta(seconds=spacing * i) for i in range(count)]
        add_scheduled(sessions, config, due)
        scheduler = make_scheduler(worker, blocking=False)
        scheduler.start()
        outbox = Path(folder) / "outbox.jsonl"
        deadline = time.monotonic() + 2 + spacing * count + 30
        while time.monotonic() < deadline and (not outbox.exists() or outbox.read_text().count("\n") < count):
            time.sleep(0.2)
        scheduler.shutdown()
        published = [json.loads(line) for line in outbox.read_text().splitlines()]
        due_by_post = {i + 1: d for i, d in enumerate(due)}
        return [
            (datetime.fromisoformat(p["published_at"].replace("Z", "+00:00")) - due_by_post[p["post_id"]]).total_seconds()
            for p in published
        ]


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--timed", type=int, default=200)
    parser.add_argument("--spacing", type=float, default=0.1, help="seconds between timed posts")
    args = parser.parse_args()
    rate = throughput(args.posts)
    print(f"throughput: {args.posts} due posts, one worker, SQLite, outbox: {rate:,.0f} posts/s (target >= 500)")
    late = lateness(args.timed, args.spacing)
    print(f"lateness: {len(late)} posts due {args.spacing * 1000:.0f} ms apart: "
          f"p50 {statistics.median(late) * 1000:.0f} ms, p99 {percentile(late, 0.99) * 1000:.0f} ms, "
          f"max {max(late) * 1000:.0f} ms, early {sum(1 for x in late if x < 0)} (target p99 < 1000 ms)")


if __name__ == "__main__":
    main()
