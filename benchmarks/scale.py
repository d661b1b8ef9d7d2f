"""Scale benchmark on PostgreSQL: worker throughput for 1, 2 and 4 workers, and web pages with 1,000,000 posts.

Run: .venv/bin/python benchmarks/scale.py [--posts 4000] [--accounts 20] [--latency 0.02] [--web-posts 1000000]
(--posts 0 skips the workers; --web-posts 0 skips the pages.)
It starts a throwaway PostgreSQL from the installed server binaries (as the tests do) and a
loopback X API (tests/xapi.py) that answers every call after `--latency` seconds.
Targets (issue 6): 4 workers at least 3.5 times the throughput of one; web page p95 at most 100 ms
with 1,000,000 posts on PostgreSQL.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, text

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import bulk  # noqa: E402
import web  # noqa: E402
from pgserver import PostgresServer, find_bindir  # noqa: E402
from xapi import XApiServer  # noqa: E402

from recovery_voice.config import load_config  # noqa: E402
from recovery_voice.db import engine_of, make_engine, session_factory, transaction, upgrade  # noqa: E402
from recovery_voice.accounts import sync_accounts  # noqa: E402
from recovery_voice.models import Delivery, LogEntry  # noqa: E402

CREDENTIALS = {"RV_X_CK": "ck", "RV_X_CS": "cs", "RV_X_AT": "at", "RV_X_ATS": "ats"}


def write_config(folder: Path, url: str, x_url: str, accounts: int) -> Path:
    """Write a config with `accounts` X accounts on the loopback API."""
    tables = "\n".join(
        f'[[accounts]]\nname = "x-{n}"\nplatform = "x"\nbase_url = "{x_url}"\nconsumer_key_env = "RV_X_CK"\n'
        'consumer_secret_env = "RV_X_CS"\naccess_token_env = "RV_X_AT"\naccess_token_secret_env = "RV_X_ATS"\n'
        for n in range(accounts))
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[worker]\nbatch_size = 10\n{tables}')
    return path


def run(server: PostgresServer, workers: int, posts: int, accounts: int, latency: float) -> float:
    """Publish `posts` due posts with `workers` processes; return posts per second."""
    url = server.create_database()
    with tempfile.TemporaryDirectory() as folder, \
            XApiServer(*CREDENTIALS.values(), post_limit=10**7, latency=latency) as x_api:
        config = load_config(str(write_config(Path(folder), url, x_api.base_url, accounts)))
        engine = make_engine(url)
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            ids = [a.id for a in sync_accounts(session, config).values()]
        due = datetime.now(timezone.utc) - timedelta(seconds=1)
        bulk.add_scheduled(sessions, [(ids[i % len(ids)], due, f"Scale post {i}") for i in range(posts)])
        command = [sys.executable, "-m", "recovery_voice", "worker", "--once", "--config", f"{folder}/config.toml"]
        processes = [subprocess.Popen(command, env={**os.environ, **CREDENTIALS}, stdout=subprocess.DEVNULL)
                     for _ in range(workers)]
        for process in processes:
            process.wait()
        with sessions() as session:
            published = session.scalar(select(func.count()).where(Delivery.status == "published"))
            first, last = session.execute(select(func.min(LogEntry.at), func.max(LogEntry.at))
                                          .where(LogEntry.event == "published")).one()
        engine.dispose()
    server.drop_database(url)
    assert published == posts, f"only {published} of {posts} published"
    # Timed from the first publish to the last, so the processes' start-up (imports) is not counted.
    return (posts - 1) / (last - first).total_seconds()


def main() -> None:
    """Print throughput for 1, 2 and 4 workers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--web-posts", type=int, default=1_000_000)
    parser.add_argument("--web-log", type=int, default=1_000_000)
    args = parser.parse_args()
    server = PostgresServer(find_bindir()).start()
    try:
        if args.posts:
            workers(server, args)
        if args.web_posts:
            web_pages(server, args.web_posts, args.web_log)
    finally:
        server.stop()


def workers(server: PostgresServer, args) -> None:
    """Print the throughput of 1, 2 and 4 workers and whether 4 reach 3.5 times one."""
    rates = {n: run(server, n, args.posts, args.accounts, args.latency) for n in (1, 2, 4)}
    for n, rate in rates.items():
        print(f"{n} worker(s), {args.posts} posts over {args.accounts} accounts, {args.latency * 1000:.0f} ms "
              f"API latency, PostgreSQL: {rate:,.0f} posts/s ({rate / rates[1]:.2f}x one worker)")
    print(f"target: 4 workers >= 3.5x one worker: {'met' if rates[4] >= 3.5 * rates[1] else 'NOT met'}")


def web_pages(server: PostgresServer, posts: int, entries: int) -> None:
    """Fill a PostgreSQL database with `posts` posts and `entries` log entries and time the pages."""
    url = server.create_database()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        config, sessions = web.setup(Path(folder), posts, entries, url)
        with sessions() as session:
            session.execute(text("ANALYZE"))
        print(f"web pages on PostgreSQL with {posts:,} posts and {entries:,} log entries "
              f"(made in {time.perf_counter() - started:.0f} s):")
        web.print_times(web.time_pages(config, sessions, runs=30))
        engine_of(sessions).dispose()
    server.drop_database(url)


if __name__ == "__main__":
    main()
