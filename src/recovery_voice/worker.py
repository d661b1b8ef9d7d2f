"""The publishing worker: wakes when the next post is due, publishes what is due, records the outcome."""

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from . import dispatch
from .config import Config, ConfigError
from .db import engine_of, transaction
from .models import utcnow
from .accounts import sync_accounts
from .publishers import FinalError, PublishError, Publisher, RetryableError, UnknownOutcome, make_publisher

log = logging.getLogger("recovery_voice.worker")
JOB_ID = "publish-due"


class Worker:
    """Publishes due deliveries for every configured account; many may run against one database."""

    def __init__(self, config: Config, sessions: sessionmaker, clock=utcnow):
        self.config = config
        self.sessions = sessions
        self.engine = engine_of(sessions)
        self.clock = clock
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.publishers: dict[str, Publisher | Exception] = {}
        self.held: set[str] = set()  # accounts whose credentials failed during this round
        try:
            with transaction(sessions) as session:
                sync_accounts(session, config)
        except IntegrityError:  # another worker starting at the same moment added the same accounts
            with transaction(sessions) as session:
                sync_accounts(session, config)

    def publisher(self, account: str) -> Publisher:
        """Return the account's publisher, built once; a config problem is raised as a FinalError."""
        if account not in self.publishers:
            try:
                settings = self.config.account(account)
                self.publishers[account] = make_publisher(settings, self.config.worker.request_timeout)
            except (ConfigError, PublishError) as error:
                self.publishers[account] = error
        found = self.publishers[account]
        if isinstance(found, Exception):
            raise FinalError(str(found), account_problem=isinstance(found, ConfigError))
        return found

    def run_due(self) -> int:
        """Sweep, then publish everything due now; return how many deliveries were attempted."""
        self.sweep()
        self.held.clear()
        attempted = 0
        while True:
            with self.engine.begin() as session:
                batch = dispatch.claim_due(session, self.id, self.clock(), self.config.worker.batch_size)
            if not batch:
                return attempted
            for claimed in batch:
                self.publish(claimed)
            attempted += len(batch)

    def sweep(self) -> None:
        """Mark long-overdue posts missed and settle claims whose worker died mid-call."""
        now = self.clock()
        with transaction(self.sessions) as session:
            dispatch.mark_missed(session, now, self.config.worker.missed_after)
            stale = dispatch.stale_claims(session, now, self.config.worker.claim_timeout)
        for claimed in stale:
            self.settle_stale(claimed)

    def publish(self, claimed: dispatch.Claimed) -> None:
        """Publish one claimed delivery and record the outcome in its own transaction."""
        with self.engine.begin() as session:
            if claimed.account in self.held:
                dispatch.release(session, claimed, self.id)
                return
            claimed = dispatch.start_attempt(session, claimed, self.id, self.clock())
        if claimed is None:  # cancelled, paused or handed on since it was claimed
            return
        try:
            publisher = self.publisher(claimed.account)
            published = publisher.publish(claimed.outgoing)
        except PublishError as error:
            self.record_error(claimed, error)
        except Exception as error:  # a bug or an unexpected library error: we cannot know what was sent
            log.exception("unexpected error publishing delivery %s", claimed.delivery_id)
            self.record_error(claimed, UnknownOutcome(f"unexpected error: {error.__class__.__name__}: {error}"))
        else:
            with self.engine.begin() as session:
                dispatch.mark_published(session, claimed, published, self.clock(), self.id)

    def record_error(self, claimed: dispatch.Claimed, error: PublishError) -> None:
        """Record a failed attempt as a retry, a hold, a final failure or a case for review."""
        now, message = self.clock(), str(error)
        with self.engine.begin() as session:
            if isinstance(error, RetryableError) and claimed.attempts < self.config.worker.max_attempts:
                dispatch.mark_retry(session, claimed, message, error.retry_at, now, self.id)
            elif isinstance(error, RetryableError):
                dispatch.mark_failed(session, claimed, f"gave up after {claimed.attempts} attempts: {message}", now, self.id)
            elif isinstance(error, FinalError) and error.account_problem:
                self.held.add(claimed.account)
                dispatch.hold_for_account(session, claimed, message, now, self.id)
            elif isinstance(error, FinalError) and error.duplicate and claimed.attempts > 1:
                # An earlier attempt that got no clear answer may be the "duplicate" the platform sees.
                dispatch.mark_needs_review(session, claimed, f"{message}; an earlier attempt may have published it: "
                                           "check the account before sending it again", now, self.id)
            elif isinstance(error, FinalError):
                dispatch.mark_failed(session, claimed, message, now, self.id)
            else:
                self._unknown(session, claimed, message, now, self.id)

    def _unknown(self, session, claimed: dispatch.Claimed, message: str, now: datetime, owner: str | None) -> None:
        """Settle an unknown outcome: look the post up where the platform allows, else ask a person."""
        publisher = self.publishers.get(claimed.account)
        if isinstance(publisher, Publisher) and publisher.can_look_up:
            try:
                found = publisher.find(claimed.outgoing)
            except PublishError as error:
                message = f"{message}; looking it up failed too: {error}"
            else:
                if found:
                    dispatch.mark_published(session, claimed, found, now, owner)
                else:
                    dispatch.mark_retry(session, claimed, f"{message}; it was not published", None, now, owner)
                return
        dispatch.mark_needs_review(session, claimed, f"{message}. Check the account: if the post is not there, "
                                   "reschedule it", now, owner)

    def settle_stale(self, claimed: dispatch.Claimed) -> None:
        """Settle a delivery whose worker stopped during the publish call."""
        message = (f"the worker stopped while publishing this (attempt {claimed.attempts}), "
                   "so whether it went out is unknown")
        try:
            self.publisher(claimed.account)
        except PublishError:
            pass
        with transaction(self.sessions) as session:
            # The claim's owner is gone, so settle it whoever claimed it.
            self._unknown(session, claimed, message, self.clock(), None)

    def next_wake(self) -> datetime:
        """Return when to wake: the next due post, but at least every `recheck` for new ones."""
        now = self.clock()
        with self.sessions() as session:
            due = dispatch.next_run_at(session)
        latest = now + self.config.worker.recheck
        return max(min(due, latest), now) if due else latest


class NextDueTrigger(BaseTrigger):
    """An APScheduler trigger that fires when the worker's next post falls due."""

    def __init__(self, worker: Worker):
        self.worker = worker

    def get_next_fire_time(self, previous_fire_time, now):
        """Return the worker's next wake-up, always after `now` so APScheduler moves on."""
        return max(self.worker.next_wake(), now + timedelta(microseconds=1))


def make_scheduler(worker: Worker, blocking: bool):
    """Build the APScheduler timer: one job, run in the scheduler's own thread, never shared."""
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone="UTC", executors={"default": DebugExecutor()})
    scheduler.add_job(
        _run_safely, NextDueTrigger(worker), args=(worker,), id=JOB_ID, next_run_time=utcnow(),
        coalesce=True, max_instances=1, misfire_grace_time=None,
    )
    return scheduler


def _run_safely(worker: Worker) -> None:
    """Run one round, logging rather than raising so the timer keeps going after a database hiccup."""
    try:
        count = worker.run_due()
        if count:
            log.info("attempted %d deliveries", count)
    except Exception:
        log.exception("publishing round failed; trying again at the next wake-up")


def nudge(scheduler) -> None:
    """Wake the worker now, e.g. after a post was approved in the web app of the same process."""
    scheduler.modify_job(JOB_ID, next_run_time=utcnow())
