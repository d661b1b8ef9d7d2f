"""Four worker processes on one PostgreSQL, 200 accounts, 10,000 posts (RV_SCALE_POSTS), workers killed mid-run."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from recovery_voice.models import Account, Delivery, LogEntry

from conftest import REPO, Project
from xapi import XApiServer

sys.path.insert(0, str(REPO / "benchmarks"))
import bulk  # noqa: E402

pytestmark = pytest.mark.slow  # 10,000 posts; a quick run leaves it out with -m "not slow"

POSTS = int(os.environ.get("RV_SCALE_POSTS", "10000"))  # RV_SCALE_POSTS=20000 for the full run
ACCOUNTS = 200
KILLS = 6
CREDENTIALS = {"RV_X_CK": "ck", "RV_X_CS": "cs", "RV_X_AT": "at", "RV_X_ATS": "ats"}


def accounts_toml(project: Project, x_url: str) -> str:
    """Half the accounts write to outbox files, half post to the loopback X API."""
    tables = []
    for n in range(ACCOUNTS // 2):
        tables.append(f'[[accounts]]\nname = "outbox-{n}"\nplatform = "outbox"\npath = "{project.root}/out/{n}.jsonl"\n')
        tables.append(f'[[accounts]]\nname = "x-{n}"\nplatform = "x"\nbase_url = "{x_url}"\n'
                      'consumer_key_env = "RV_X_CK"\nconsumer_secret_env = "RV_X_CS"\n'
                      'access_token_env = "RV_X_AT"\naccess_token_secret_env = "RV_X_ATS"\n')
    return "\n".join(tables)


def start_worker(project: Project) -> subprocess.Popen:
    """Start one long-running `recovery-voice worker` process."""
    return subprocess.Popen(
        [sys.executable, "-m", "recovery_voice", "worker", "--config", str(project.config_path)],
        cwd=project.root, env={**os.environ, **CREDENTIALS}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )


def unfinished(sessions) -> int:
    """Count deliveries not yet settled."""
    with sessions() as session:
        return session.scalar(select(func.count()).where(Delivery.status.in_(("scheduled", "claimed", "publishing"))))


def test_four_workers_publish_thousands_of_posts_over_200_accounts_once_each_through_kills(postgres, tmp_path):
    url = postgres.create_database()
    project = Project(tmp_path, url)
    with XApiServer(*CREDENTIALS.values(), post_limit=10**6, latency=0.02) as x_api:
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 2\nclaim_timeout_seconds = 5\n"
                                   "recheck_seconds = 0.5\nbatch_size = 10\n",
                             accounts=accounts_toml(project, x_api.base_url))
        project.cli("init", check=True)
        sessions = project.init_db()
        account_ids = _account_ids(sessions)
        due = datetime.now(timezone.utc) - timedelta(seconds=1)
        bulk.add_scheduled(sessions, [(account_ids[i % ACCOUNTS], due, f"Post {i}: recovery is possible.")
                                      for i in range(POSTS)])

        workers = [start_worker(project) for _ in range(4)]
        kills = 0
        deadline = time.monotonic() + 600
        try:
            while unfinished(sessions) and time.monotonic() < deadline:
                time.sleep(3)
                if kills < KILLS:
                    victim = workers.pop(random.randrange(len(workers)))
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    kills += 1
                    workers.append(start_worker(project))
        finally:
            for worker in workers:
                worker.terminate()
            errors = [w.communicate(timeout=30)[1] for w in workers]
        x_api.wait_idle()
        left = unfinished(sessions)
        with sessions() as session:
            rows = session.execute(select(Delivery.id, Delivery.status, Delivery.last_error, Delivery.remote_id,
                                          Delivery.account_id)).all()
            published_logged = Counter(session.scalars(select(LogEntry.delivery_id).where(LogEntry.event == "published")))
    project.engines[0].dispose()
    postgres.drop_database(url)

    assert kills == KILLS and left == 0
    statuses = Counter(status for _, status, _, _, _ in rows)
    assert len(rows) == POSTS
    assert set(statuses) <= {"published", "needs_review"}, (statuses, errors)
    # A killed worker can leave at most the one X call it was making with an unknown outcome.
    assert statuses["needs_review"] <= KILLS
    assert all(error for _, status, error, _, _ in rows if status == "needs_review")
    assert max(published_logged.values()) == 1

    outbox = [json.loads(line) for path in (project.root / "out").glob("*.jsonl") for line in path.open()]
    assert max(Counter(line["key"] for line in outbox).values()) == 1
    creates = Counter(r.json["text"] for r in x_api.requests if r.method == "POST" and r.json)
    assert max(creates.values()) == 1, "no X post was sent twice"
    x_published = {remote for _, status, _, remote, _ in rows if status == "published" and not remote.startswith("recovery")}
    assert x_published <= set(x_api.tweets)
    assert len(outbox) + len(x_published) == statuses["published"]


def _account_ids(sessions) -> list[int]:
    """Return the ids of the configured accounts."""
    with sessions() as session:
        return list(session.scalars(select(Account.id).order_by(Account.id)))
