"""The worker is killed with SIGKILL at random moments while it publishes to X, Mastodon and Bluesky.

No post may appear twice on Mastodon or Bluesky, none more than once on X, and none may be lost:
each ends published, or failed or needing review with its reason. Every fifth post carries images: each
published part carries exactly the uploads recorded for it, and an image is uploaded again only after a kill.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from recovery_voice.db import transaction
from recovery_voice.models import Account, Delivery, DeliveryPart, LogEntry
from recovery_voice.attachments import store_new
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve

from conftest import Project
from faultproxy import FaultProxy
from mastodonserver import MastodonServer
from publishkit import (bluesky_media, mastodon_media, media_problems, photo, recorded_media,
                        repeated_without_a_kill, upload_times, x_media)
from pdsserver import start_or_skip
from test_bluesky_publisher import PASSWORD, records
from xapi import XApiServer

pytestmark = pytest.mark.slow  # minutes of kills; a quick run leaves it out with -m "not slow"

POSTS = int(os.environ.get("RV_FAULT_POSTS", "200"))  # per platform
KILLS = int(os.environ.get("RV_FAULT_KILLS", "20"))
X_KEYS = {"RV_X_CK": "ck", "RV_X_CS": "cs", "RV_X_AT": "at", "RV_X_ATS": "ats"}
SETTLED = {"published", "failed", "needs_review"}


def story(n: int) -> str:
    """Every fifth post is long enough to go out as a thread of two to four parts."""
    if n % 5:
        return f"Post {n}: recovery is possible, and our café is open to everyone today."
    return " ".join(f"Story {n}, sentence {s}: people walked beside me and I found my way back." for s in range(12))


def images_for(n: int) -> list:
    """Every fifth post (the threads) carries photos: one on part 1, or one chosen for part 2 and one for part 3."""
    if n % 5:
        return []
    if n % 10:
        return [photo(part=2, size=(320, 240)), photo(part=3, size=(320, 240))]
    return [photo(size=(320, 240))]


def accounts(x_url, mastodon_url, pds_url, handle) -> str:
    return f"""
[[accounts]]
name = "x"
platform = "x"
base_url = "{x_url}"
consumer_key_env = "RV_X_CK"
consumer_secret_env = "RV_X_CS"
access_token_env = "RV_X_AT"
access_token_secret_env = "RV_X_ATS"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{mastodon_url}"
access_token_env = "RV_MASTODON_TOKEN"

[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{pds_url}"
handle = "{handle}"
app_password_env = "RV_BSKY_PASSWORD"
"""


def queue_all(project: Project, posts: int = POSTS) -> None:
    """Queue and approve `posts` posts for each account, all due now, every fifth with its own photos."""
    now = datetime.now(timezone.utc)
    wanted = [(n, name) for n in range(posts) for name in ("x", "mastodon", "bluesky")]  # interleaved: kills hit all
    images = {key: store_new(project.config.media_dir, images_for(key[0])) for key in wanted}
    with transaction(project.sessions) as session:
        ids = [create_post(session, project.config, Draft(text=f"{name.upper()} {story(n)}", accounts=[name],
                                                          when=now.isoformat(), images=images[(n, name)]),
                           now=now - timedelta(minutes=1)).id for n, name in wanted]
        approve(session, project.config, ids, "admin@example.org", now=now - timedelta(minutes=1))


def start_worker(project: Project, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "recovery_voice", "worker", "--config", str(project.config_path)],
                            cwd=project.root, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def unsettled(project: Project) -> int:
    with project.sessions() as session:
        return len(session.scalars(select(Delivery.id).where(Delivery.status.not_in(SETTLED))).all())


def in_flight(project: Project, since: datetime) -> bool:
    """Whether a worker started after `since` is inside a call (one killed earlier leaves its delivery publishing)."""
    with project.sessions() as session:
        return session.scalar(select(Delivery.id).where(Delivery.status == "publishing", Delivery.claimed_at > since)
                              .limit(1)) is not None


def wait_for_a_call(project: Project, rng: random.Random, since: datetime, limit: float = 30.0) -> None:
    """Wait until the worker is inside a call, then a moment more, so the kill lands mid-call.

    A worker takes seconds to start on a busy machine; kills at random times alone would mostly land before it
    publishes anything, and the crash path inside a call would go untested.
    """
    give_up = time.monotonic() + limit
    while not in_flight(project, since) and time.monotonic() < give_up:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.01))


def kill_repeatedly(project: Project, env: dict, rng: random.Random) -> tuple[list[float], list[str]]:
    """Run one worker at a time, killing it KILLS times (one in four at a random moment, the rest mid-call), then let
    it finish; return when each kill was sent."""
    kills, errors, killed_at = 0, [], []
    started, worker = datetime.now(timezone.utc), start_worker(project, env)
    deadline = time.monotonic() + 420
    try:
        while unsettled(project) and time.monotonic() < deadline:
            if kills < KILLS and kills % 4:
                wait_for_a_call(project, rng, started)
            else:
                time.sleep(rng.uniform(1.0, 2.0) if kills < KILLS else 0.5)
            if kills < KILLS and unsettled(project):
                killed_at.append(time.time())
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                started, worker = datetime.now(timezone.utc), start_worker(project, env)
    finally:
        worker.terminate()
        errors.append(worker.communicate(timeout=30)[1])
    return killed_at, errors


@pytest.fixture(scope="module")
def pds():
    # The login answer must not move the SDK to another URL, or the proxy counting uploads would be bypassed.
    server = start_or_skip(rate_limits=False, did_doc_with_session=False)
    yield server
    server.stop()


def repeats_after_no_kill(times: dict[str, list[float]], kills: list[float], excused: set[str]) -> dict[str, int]:
    """Images uploaded again with no kill in between, leaving out those whose upload failed and was retried."""
    return {name: count for name, count in repeated_without_a_kill(times, kills).items() if name not in excused}


def upload_retried(project: Project) -> set[int]:
    """Deliveries with an attempt that ended on a failed upload (a timeout on a busy machine): a repeat is allowed."""
    with project.sessions() as session:
        return set(session.scalars(select(LogEntry.delivery_id).where(LogEntry.event == "retry",
                                                                      LogEntry.error.like("%upload%"))))


def excused_images(project: Project, account: str, key) -> set[str]:
    """The images (named as the network's upload records name them) of deliveries whose upload was retried."""
    retried = upload_retried(project)
    return {key(digest) for delivery_id, _, _, digest, _ in recorded_media(project)[account] if delivery_id in retried}


def test_killing_the_worker_at_random_never_doubles_or_loses_a_post(tmp_path, pds):
    rng = random.Random(int(os.environ.get("RV_FAULT_SEED", "5")))
    project = Project(tmp_path)
    bsky = pds.create_account("fault.test", PASSWORD)
    with XApiServer(*X_KEYS.values(), post_limit=10**6, latency=0.03) as x_api, MastodonServer() as mastodon, \
            FaultProxy(pds.url, platform="bluesky") as b_proxy:  # only forwards, keeping each upload's digest
        token = mastodon.create_user("faults")
        mastodon.add_fault("latency", delay_ms=30, count=None)  # as slow as a real instance, like the X fake
        env = {**X_KEYS, "RV_MASTODON_TOKEN": token,
               "RV_BSKY_PASSWORD": pds.app_password("fault.test", PASSWORD, "recovery-voice")}
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 2\nclaim_timeout_seconds = 5\n"
                                   "recheck_seconds = 0.3\nbatch_size = 5\nbackoff_seconds = 0.2\n",
                             accounts=accounts(x_api.base_url, mastodon.base_url, b_proxy.base_url, "fault.test"))
        project.cli("init", check=True)
        project.init_db()
        queue_all(project)
        killed_at, errors = kill_repeatedly(project, env, rng)
        kills = len(killed_at)
        x_api.wait_idle()
        b_proxy.wait_idle()
        mastodon_statuses = mastodon.statuses(token=token)
        statuses = [s["id"] for s in mastodon_statuses]
        mastodon_texts = mastodon.texts(token=token)
        x_created = x_api.created
        x_texts = [t["text"] for t in x_created]
        mastodon_uploads = [(u["file"].split(".")[0], u["at"]) for u in mastodon.uploads()]
        bluesky_uploads = [(r.body_sha256, r.at) for r in b_proxy.records if r.path.endswith("uploadBlob")]
    bluesky_records = records(pds, bsky["did"])
    bluesky_texts = [r["value"]["text"] for r in bluesky_records]
    with project.sessions() as session:
        rows = session.execute(select(Delivery.id, Account.name, Delivery.status, Delivery.last_error)
                               .join(Account, Account.id == Delivery.account_id)).all()
        parts = session.execute(select(Account.name, DeliveryPart.remote_id)
                                .join(Delivery, Delivery.id == DeliveryPart.delivery_id)
                                .join(Account, Account.id == Delivery.account_id)).all()
        interrupted = session.scalars(select(LogEntry.account).where(
            LogEntry.error.like("%the worker stopped while publishing%"))).all()
    print(f"{kills} kills; calls cut off by a kill: {Counter(interrupted)}; outcomes: "
          f"{Counter((name, status) for _, name, status, _ in rows)}")

    print("uploads per image: " + "; ".join(f"{name} {dict(Counter(map(len, upload_times(uploads).values())))}"
                                              for name, uploads in (("mastodon", mastodon_uploads),
                                                                    ("bluesky", bluesky_uploads))))

    assert kills == KILLS, errors
    # Kills land in calls, not just between them (each network's crash path also has its own test).
    assert len(interrupted) >= 5 and len(set(interrupted)) >= 2, Counter(interrupted)
    by_platform = Counter((name, status) for _, name, status, _ in rows)
    assert all(status in SETTLED for _, _, status, _ in rows), by_platform
    assert all(error for _, _, status, error in rows if status != "published"), "every unfinished post says why"
    # Mastodon's Idempotency-Key and Bluesky's record keys settle every unknown outcome: all are published.
    assert by_platform[("mastodon", "published")] == POSTS, by_platform
    assert by_platform[("bluesky", "published")] == POSTS, by_platform
    assert max(Counter(mastodon_texts).values()) == 1, "a Mastodon post appeared twice"
    assert max(Counter(bluesky_texts).values()) == 1, "a Bluesky post appeared twice"
    assert max(Counter(x_texts).values()) == 1, "an X post was sent twice"
    # What the database says went out is exactly what each network holds.
    recorded = Counter(name for name, _ in parts)
    assert recorded["mastodon"] == len(mastodon_texts) and set(statuses) == {r for n, r in parts if n == "mastodon"}
    assert recorded["bluesky"] == len(bluesky_texts)
    # On X an unknown outcome goes to a person: at most one per kill, and each has the facts to check.
    assert by_platform[("x", "needs_review")] <= KILLS
    assert recorded["x"] <= len(x_texts) <= recorded["x"] + by_platform[("x", "needs_review")]
    # Images: each published part carries exactly the uploads recorded for it, once, and every image of its post.
    assert sum(len(found) for found in recorded_media(project).values()) >= POSTS * 3 // 5
    assert media_problems(project, "mastodon", mastodon_media(mastodon_statuses)) == []
    assert media_problems(project, "bluesky", bluesky_media(bluesky_records)) == []
    assert media_problems(project, "x", x_media(x_created)) == []
    # An image goes again only when a kill cut its upload off before it was recorded (or its upload failed).
    assert repeats_after_no_kill(upload_times(mastodon_uploads), killed_at,
                                 excused_images(project, "mastodon", lambda digest: digest[:16])) == {}
    assert repeats_after_no_kill(upload_times(bluesky_uploads), killed_at,
                                 excused_images(project, "bluesky", lambda digest: digest)) == {}


# The database is killed during publishing --------------------------------------------------------------------------

DB_POSTS = int(os.environ.get("RV_FAULT_DB_POSTS", "30"))  # per account


def outbox_and_mastodon(outbox, mastodon_url) -> str:
    return f"""
[[accounts]]
name = "outbox"
platform = "outbox"
path = "{outbox}"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{mastodon_url}"
access_token_env = "RV_MASTODON_TOKEN"
"""


def start_serve(project: Project, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "recovery_voice", "serve", "--port", str(port), "--config",
                             str(project.config_path)], cwd=project.root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "RECOVERY_VOICE_SECRET_KEY": "fault test secret", **env})


def ask_health(url: str) -> tuple[int, dict, float]:
    """GET /health: its status, body and how long it took."""
    import requests

    started = time.monotonic()
    answer = requests.get(url + "/health", timeout=10)
    return answer.status_code, answer.json(), time.monotonic() - started


def published(project: Project) -> int:
    with project.sessions() as session:
        return len(session.scalars(select(Delivery.id).where(Delivery.status == "published")).all())


def watch_health(url: str, seconds: float) -> list[tuple[int, dict, float]]:
    """Ask /health every quarter second for `seconds`."""
    answers, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        answers.append(ask_health(url))
        time.sleep(0.25)
    return answers


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def outage_postgres():
    """A PostgreSQL server of this test's own, to stop and start without disturbing the other tests."""
    from ci import in_ci
    from pgserver import PostgresServer, find_bindir

    if find_bindir() is None:
        if in_ci():
            pytest.fail("PostgreSQL server binaries are missing: .ci/run installs the postgresql package")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    server = PostgresServer(find_bindir()).start()
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("outage", ["sqlite-lock", "postgresql-stop"])
def test_killing_the_database_during_publishing_never_doubles_or_loses_a_post(tmp_path, request, outage):
    from pgserver import free_port

    server = request.getfixturevalue("outage_postgres") if outage == "postgresql-stop" else None
    project = Project(tmp_path, server.create_database() if server else None)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with MastodonServer() as mastodon:
        token = mastodon.create_user("outage")
        mastodon.add_fault("latency", delay_ms=100, count=None)  # slow enough that the outage lands mid-queue
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 2\nclaim_timeout_seconds = 5\n"
                                   "recheck_seconds = 0.3\nbatch_size = 5\nbackoff_seconds = 0.2\n",
                             accounts=outbox_and_mastodon(project.outbox, mastodon.base_url))
        if server is None:  # the worker gives up on a lock after half a second, so a 4 s lock is an outage
            text = project.config_path.read_text().replace("[database]\n", "[database]\nbusy_timeout_seconds = 0.5\n")
            project.config_path.write_text(text)
        project.cli("init", check=True)
        project.init_db()
        now = datetime.now(timezone.utc)
        with transaction(project.sessions) as session:
            ids = [create_post(session, project.config, Draft(text=f"{name.upper()} {story(n)}", accounts=[name],
                                                              when=now.isoformat()), now=now - timedelta(minutes=1)).id
                   for n in range(DB_POSTS) for name in ("outbox", "mastodon")]
            approve(session, project.config, ids, "admin@example.org", now=now - timedelta(minutes=1))
        serve = start_serve(project, port, {"RV_MASTODON_TOKEN": token})
        try:
            # Readiness, not speed: on two busy cores (the scale test beside it) serve's start has taken over a minute.
            wait_until(lambda: published(project) >= 5 or serve.poll() is not None, 180)
            assert serve.poll() is None, f"serve exited before publishing (exit {serve.poll()}): its log is below"
            before = published(project)
            if server is None:
                holder = sqlite3.connect(project.database_url.removeprefix("sqlite:///"), isolation_level=None)
                holder.execute("BEGIN EXCLUSIVE")
                during = watch_health(url, 4)
                holder.execute("ROLLBACK")
                holder.close()
            else:
                server.halt()
                during = watch_health(url, 40)
                server.resume()
            assert serve.poll() is None, "serve exited during the outage"
            wait_until(lambda: not unsettled(project), 120)
            wait_until(lambda: ask_health(url)[0] == 200, 30)
        finally:
            serve.terminate()
            log = serve.communicate(timeout=30)[1]
            sys.stderr.write(log[-4000:])  # captured: pytest shows it only when the test fails
        statuses = [s["id"] for s in mastodon.statuses(token=token)]
        mastodon_texts = mastodon.texts(token=token)
    outbox_keys = [line["key"] for line in project.outbox_lines()]
    with project.sessions() as session:
        outcomes = Counter(session.scalars(select(Delivery.status)))
        remote = session.scalars(select(DeliveryPart.remote_id).join(Delivery, Delivery.id == DeliveryPart.delivery_id)
                                 .join(Account, Account.id == Delivery.account_id)
                                 .where(Account.name == "mastodon")).all()
    for engine in project.engines:
        engine.dispose()

    assert before < 2 * DB_POSTS - 5, "the outage began while posts were still going out"
    assert outcomes == {"published": 2 * DB_POSTS}, outcomes
    assert len(outbox_keys) == len(set(outbox_keys)) == DB_POSTS, "each outbox post went out exactly once"
    assert len(mastodon_texts) == len(set(mastodon_texts)), "a Mastodon post (or part of a thread) appeared twice"
    assert sorted(statuses) == sorted(remote), "what Mastodon holds is exactly the parts recorded"
    # While the database was down, /health said so, every time, and quickly.
    assert during and all(status == 503 and not body["database"]["reachable"] for status, body, _ in during), during
    assert max(took for _, _, took in during) < 3, during
    assert "Traceback" not in log and log.count("publishing is paused") == 1, log
