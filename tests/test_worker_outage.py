"""The worker rides out database outages (a SQLite lock, PostgreSQL stopped), its timer thread is restarted if it
dies, and a deleted SQLite file stops publishing with a clear log line."""

import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import select

from recovery_voice import health
from recovery_voice.db import make_engine, session_factory
from recovery_voice.models import Delivery, WorkerHeartbeat, utcnow
from recovery_voice.timer import Watchdog, make_scheduler, nudge
from recovery_voice.worker import Worker

from conftest import Project, sqlite_only
from pgserver import PostgresServer, find_bindir
from test_worker import schedule

FAST = "[worker]\nrecheck_seconds = 0.2\nrequest_timeout_seconds = 1\nclaim_timeout_seconds = 3\n"


def with_busy_timeout(project: Project, seconds: float) -> Project:
    """Give the project's [database] a short busy timeout, so a test can hold a lock past it quickly."""
    text = project.config_path.read_text().replace("[database]\n", f"[database]\nbusy_timeout_seconds = {seconds}\n")
    project.config_path.write_text(text)
    project._config = None
    return project


def start_worker(project: Project) -> subprocess.Popen:
    """Run the real `recovery-voice worker` command on the project."""
    return subprocess.Popen([sys.executable, "-m", "recovery_voice", "worker", "--config", str(project.config_path)],
                            cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds: float = 30, every: float = 0.05):
    """Wait until `condition()` is true, failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(every)
    return found


def good_rounds(sessions) -> list:
    """Every worker's last good round."""
    with sessions() as session:
        return [at for at in session.scalars(select(WorkerHeartbeat.last_round_at)) if at]


def last_errors(sessions) -> list[str]:
    with sessions() as session:
        return [e for e in session.scalars(select(WorkerHeartbeat.last_error)) if e]


def ride_out(project: Project, sessions, outage, count: int = 5) -> str:
    """Start a worker, let posts fall due during `outage()`, and return the worker's log once all are out."""
    worker = start_worker(project)
    try:
        wait_for(lambda: good_rounds(sessions))
        schedule(project, sessions, count, utcnow() + timedelta(seconds=0.5))
        outage()
        assert worker.poll() is None, "the worker exited during the outage"
        wait_for(lambda: len(project.outbox_lines()) >= count, seconds=60)
        wait_for(lambda: last_errors(sessions))  # the outage is recorded once the database answers
        time.sleep(0.5)  # a few more rounds: nothing goes out twice
    finally:
        worker.terminate()
        log = worker.communicate(timeout=30)[1]
    keys = [line["key"] for line in project.outbox_lines()]
    assert len(keys) == len(set(keys)) == count, "each post went out once"
    with sessions() as session:
        assert Counter(session.scalars(select(Delivery.status))) == {"published": count}
    return log


@pytest.mark.slow
@sqlite_only
def test_the_worker_command_rides_out_a_sqlite_lock_held_past_its_busy_timeout(project):
    with_busy_timeout(project.write_config(extra=FAST), 0.3)
    project.cli("init", check=True)
    sessions = project.init_db()

    def hold_lock():
        holder = sqlite3.connect(project.database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        time.sleep(2.5)  # many times the worker's 0.3 s busy timeout, while posts fall due
        holder.execute("ROLLBACK")
        holder.close()

    log = ride_out(project, sessions, hold_lock)
    assert "Traceback" not in log, log
    assert log.count("publishing is paused") == 1, log
    assert "locked by another program" in log and log.count("the database answers again") == 1, log
    assert "database is locked by another program" in last_errors(sessions)[0]


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, so stopping it disturbs no other test."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    server = PostgresServer(find_bindir()).start()
    yield server
    server.stop()


@pytest.mark.slow
def test_the_worker_command_rides_out_postgresql_stopped_and_started(tmp_path, own_postgres):
    project = Project(tmp_path, own_postgres.create_database()).write_config(extra=FAST)
    project.cli("init", check=True)
    sessions = project.init_db()

    def stop_for_a_while():
        time.sleep(0.3)
        own_postgres.halt()
        time.sleep(3)
        own_postgres.resume()

    try:
        log = ride_out(project, sessions, stop_for_a_while)
    finally:
        for engine in project.engines:
            engine.dispose()
    assert "Traceback" not in log, log
    assert log.count("publishing is paused") == 1 and log.count("the database answers again") == 1, log
    assert "postgres@" not in log, "the database URL stays out of the log"


class FailsOnce(BaseTrigger):
    """A trigger whose second reading raises, which kills APScheduler's thread (a stand-in for any such bug)."""

    def __init__(self):
        self.readings = 0

    def get_next_fire_time(self, previous_fire_time, now):
        self.readings += 1
        if self.readings == 2:
            raise RuntimeError("a fault inside the timer")
        return now if self.readings == 1 else None


@sqlite_only
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_timer_thread_is_restarted_and_publishing_carries_on(project, sessions, caplog):
    project.write_config(extra="[worker]\nrecheck_seconds = 600\n")
    scheduler = make_scheduler(Worker(project.config, sessions), blocking=False)
    scheduler.start()
    watchdog = Watchdog(scheduler, every=0.05).start()
    try:
        with caplog.at_level(logging.ERROR, "recovery_voice.worker"):
            scheduler.add_job(print, FailsOnce(), id="broken")
            wait_for(lambda: watchdog.restarts, seconds=10)
        schedule(project, sessions, 1, utcnow())
        nudge(scheduler)
        wait_for(lambda: project.outbox_lines(), seconds=10)
    finally:
        watchdog.stop()
        scheduler.shutdown()
    assert "the publishing timer stopped unexpectedly; restarting it" in caplog.text


@sqlite_only
def test_a_deleted_database_file_stops_publishing_with_a_clear_log_line(project, sessions, clock, caplog):
    schedule(project, sessions, 2, clock.now + timedelta(minutes=1))
    worker = Worker(project.config, sessions, clock)
    assert worker.run_round() == 0
    path = project.database_url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    clock.now += timedelta(minutes=1)
    with caplog.at_level(logging.ERROR, "recovery_voice.worker"):
        assert worker.run_round() is None
        assert worker.run_round() is None
    assert project.outbox_lines() == [], "nothing is published into a file that is gone"
    assert caplog.text.count(f"the database file {path} was deleted") == 1
    assert "publishing has stopped" in caplog.text and "restart recovery-voice" in caplog.text
    assert not os.path.exists(path), "the worker does not create an empty database in its place"
    assert health.check(worker.engine, project.config.worker).status == "database file missing"


@sqlite_only
def test_a_failed_round_backs_off_and_the_outage_is_recorded_when_the_database_answers(project, sessions):
    config = with_busy_timeout(project.write_config(extra=FAST), 0.1).config
    engine = make_engine(config.database_url, config.busy_timeout)
    project.engines.append(engine)
    worker = Worker(config, session_factory(engine))
    holder = sqlite3.connect(project.database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        delays = []
        for _ in range(5):
            assert worker.run_round() is None
            delays.append(worker.next_wake_safely() - utcnow())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    recheck = project.config.worker.recheck
    assert delays[0] <= recheck and delays[1] > recheck and delays[-1] <= recheck * health.ALIVE_ROUNDS
    assert worker.outage.failures == 5
    assert worker.run_round() == 0 and worker.outage is None
    [error] = last_errors(sessions)
    assert error.startswith("the database cannot be used: the database is locked") and "for " in error
