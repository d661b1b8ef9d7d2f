"""/health says whether publishing is alive, quickly, without personal data; the Publishing page says it in words."""

import json
import os
import sqlite3
import time
from datetime import timedelta


from recovery_voice import health
from recovery_voice.models import utcnow
from recovery_voice.worker import Worker

from conftest import sqlite_only
from web_fixtures import PEOPLE, make_app, make_people, sign_in



def get_health(app):
    answer = app.test_client().get("/health")
    return answer.status_code, answer.get_json()


def test_health_says_publishing_is_alive_after_a_good_worker_round(project, sessions):
    make_people(sessions)
    worker = Worker(project.config, sessions)
    worker.run_round()
    status, body = get_health(make_app(project, sessions))
    assert status == 200 and body["ok"] and body["status"] == "ok"
    assert body["database"]["reachable"] and body["publishing"]["alive"]
    assert body["publishing"]["last_round_at"].endswith("Z")
    text = json.dumps(body)
    assert worker.id.split(":")[0] not in text and not any(email in text for email in PEOPLE.values())


def test_health_answers_503_when_no_worker_has_had_a_good_round_lately(project, sessions):
    app = make_app(project, sessions)
    assert get_health(app) == (503, {"ok": False, "status": "publishing stopped",
                                     "database": {"reachable": True, "state": "reachable"},
                                     "publishing": {"alive": False, "last_round_at": None}})
    Worker(project.config, sessions).run_round()
    assert get_health(app)[0] == 200
    engine = sessions.kw["bind"]
    long_ago = utcnow() - health.alive_within(project.config.worker) - timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(health.HEARTBEATS.update().values(last_round_at=long_ago))
    status, body = get_health(app)
    assert status == 503 and body["status"] == "publishing stopped" and not body["publishing"]["alive"]


@sqlite_only
def test_health_answers_within_two_seconds_with_503_while_sqlite_is_locked(project, sessions):
    Worker(project.config, sessions).run_round()
    app = make_app(project, sessions)  # the app's engine waits 30 s for a lock; /health must not
    holder = sqlite3.connect(project.database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        status, body = get_health(app)
        took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert took < 2 and status == 503, (took, body)
    assert body["status"] == "database unreachable" and body["database"] == {"reachable": False,
                                                                            "state": "unreachable"}
    assert get_health(app)[0] == 200, "the app's connections wait their usual time again afterwards"


@sqlite_only
def test_health_says_the_database_file_is_missing_after_it_was_deleted(project, sessions):
    Worker(project.config, sessions).run_round()
    app = make_app(project, sessions)
    path = project.database_url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    status, body = get_health(app)
    assert status == 503 and body["status"] == "database file missing" and body["database"]["state"] == "missing"
    assert not os.path.exists(path), "asking did not create an empty database in its place"


def test_the_publishing_page_shows_each_workers_last_round_and_last_problem_in_plain_words(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    admin = sign_in(app.test_client(), "admin")
    page = admin.get("/publishing").get_data(as_text=True)
    assert "Publishing has stopped: no worker has run yet" in page
    worker = Worker(project.config, sessions)
    worker.run_round()
    health.record_error(worker.engine, worker.id, "the database cannot be used: the database is locked", utcnow())
    page = admin.get("/publishing").get_data(as_text=True)
    assert "Publishing is working: the last round finished" in page
    assert "the database cannot be used: the database is locked" in page and "Working" in page
    assert f"process {os.getpid()}" in page
    assert 'href="/publishing"' in page, "the page is in the admin's menu"
    assert sign_in(app.test_client(), "volunteer").get("/publishing").status_code == 403
