"""The worker's timer: APScheduler wakes the worker when its next post falls due, and a watchdog keeps it running.

APScheduler is only a timer here: one job per process, never a job per post, never a shared job store.
"""

import logging
import threading
from datetime import timedelta

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from .models import utcnow
from .worker import Worker

log = logging.getLogger("recovery_voice.worker")
JOB_ID = "publish-due"


class NextDueTrigger(BaseTrigger):
    """An APScheduler trigger that fires when the worker's next post falls due."""

    def __init__(self, worker: Worker):
        self.worker = worker

    def get_next_fire_time(self, previous_fire_time, now):
        """Return the worker's next wake-up, always after `now` so APScheduler moves on (it never raises)."""
        return max(self.worker.next_wake_safely(), now + timedelta(microseconds=1))


def make_scheduler(worker: Worker, blocking: bool):
    """Build the APScheduler timer: one job, run in the scheduler's own thread, never shared."""
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone="UTC", executors={"default": DebugExecutor()})
    _add_publishing_job(scheduler, worker)
    return scheduler


def _add_publishing_job(scheduler, worker: Worker) -> None:
    """Add the one publishing job, due at once."""
    scheduler.add_job(
        _run_safely, NextDueTrigger(worker), args=(worker,), id=JOB_ID, next_run_time=utcnow(),
        coalesce=True, max_instances=1, misfire_grace_time=None,
    )


def _run_safely(worker: Worker) -> None:
    """Run one round; the worker notes any failure itself, so the timer keeps going through an outage."""
    count = worker.run_round()
    if count:
        log.info("attempted %d deliveries", count)


class Watchdog:
    """Restarts the timer's thread if it ever dies, saying so in the log, so publishing never silently stops."""

    def __init__(self, scheduler, every: float = 5.0):
        self.scheduler, self.every = scheduler, every
        self.stopping = threading.Event()
        self.restarts = 0

    def check(self) -> bool:
        """Restart the timer if its thread has died; return whether it had."""
        thread = getattr(self.scheduler, "_thread", None)  # APScheduler's background thread (no public handle)
        if not self.scheduler.running or (thread is not None and thread.is_alive()):
            return False
        log.error("the publishing timer stopped unexpectedly; restarting it")
        worker = self.scheduler.get_job(JOB_ID).args[0]
        self.scheduler.shutdown(wait=False)  # this also empties its job store
        self.scheduler.start()
        _add_publishing_job(self.scheduler, worker)
        self.restarts += 1
        return True

    def run(self) -> None:
        """Check every few seconds until stopped."""
        while not self.stopping.wait(self.every):
            try:
                self.check()
            except Exception:  # a restart that failed is tried again at the next check
                log.exception("restarting the publishing timer failed; trying again in %s s", self.every)

    def start(self) -> "Watchdog":
        """Watch from a background thread (under `serve`, beside the web app)."""
        threading.Thread(target=self.run, name="recovery-voice-watchdog", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop watching, before the timer is shut down on purpose."""
        self.stopping.set()


def run_forever(worker: Worker) -> None:
    """Run the timer in the background and watch it from this thread until Ctrl+C (the `worker` command)."""
    scheduler = make_scheduler(worker, blocking=False)
    scheduler.start()
    watchdog = Watchdog(scheduler)
    try:
        watchdog.run()
    except KeyboardInterrupt:
        pass
    finally:
        watchdog.stop()
        scheduler.shutdown(wait=True)


def nudge(scheduler) -> None:
    """Wake the worker now, e.g. after a post was approved in the web app of the same process."""
    scheduler.modify_job(JOB_ID, next_run_time=utcnow())
