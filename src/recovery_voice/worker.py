"""The publishing worker: wakes when the next post is due, publishes what is due part by part, records the outcome."""

import logging
import os
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from . import attachments, cards, deletion, dispatch, email_outbox, health, ratelimits
from . import erasure
from .accounts import SessionStore, sync_accounts
from .config import Config, ConfigError
from .db import engine_of, transaction
from .models import utcnow
from .publishers import (
    FinalError,
    Part,
    Published,
    PublishError,
    Publisher,
    RateInfo,
    RetryableError,
    UnknownOutcome,
    make_publisher,
)
from .uploading import ImageUploads

log = logging.getLogger("recovery_voice.worker")
MEDIA_SWEEP_EVERY = timedelta(hours=1)


class Worker(ImageUploads):
    """Publishes due deliveries for every configured account; many may run against one database."""

    def __init__(self, config: Config, sessions: sessionmaker, clock=utcnow):
        self.config = config
        self.sessions = sessions
        self.engine = engine_of(sessions)
        self.clock = clock
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.publishers: dict[str, Publisher | Exception] = {}
        self.held: set[str] = set()  # accounts whose credentials failed during this round
        self.outage: health.Outage | None = None  # set while rounds fail, e.g. the database is down
        self.stopped: str | None = None  # why publishing stopped for good in this process (its file is gone)
        self.media_swept_at: datetime | None = None  # when images nothing uses were last looked for
        health.watch_file(self.engine)
        try:
            with transaction(sessions) as session:
                sync_accounts(session, config)
        except IntegrityError:  # another worker starting at the same moment added the same accounts
            with transaction(sessions) as session:
                sync_accounts(session, config)
        health.register(self.engine, self.id, utcnow())

    def publisher(self, account: str) -> Publisher:
        """Return the account's publisher, built once; a config problem is raised as a FinalError."""
        if account not in self.publishers:
            try:
                settings = self.config.account(account)
                self.publishers[account] = make_publisher(settings, self.config.worker.request_timeout,
                                                          SessionStore(self.engine, account),
                                                          self.config.care.support_footer)
            except (ConfigError, PublishError) as error:
                self.publishers[account] = error
        found = self.publishers[account]
        if isinstance(found, Exception):
            raise FinalError(str(found), account_problem=isinstance(found, ConfigError))
        return found

    def run_due(self) -> int:
        """Sweep, publish everything due now, then carry out requested deletions; return deliveries attempted."""
        self.sweep()
        self.held.clear()
        attempted = 0
        while True:
            with self.engine.begin() as session:
                batch = dispatch.claim_due(session, self.id, self.clock(), self.config.worker.batch_size)
            if not batch:
                break
            for claimed in batch:
                self.publish(claimed)
            attempted += len(batch)
            health.beat(self.engine, self.id, utcnow())  # a long round still shows it is alive
        self.delete_due()
        email_outbox.send_due(self.engine, self.config, self.id, self.clock)  # after publishing: posts come first
        return attempted

    def sweep(self) -> None:
        """Mark long-overdue posts missed, take down stories whose consent ended, settle claims of dead workers."""
        now = self.clock()
        with transaction(self.sessions) as session:
            dispatch.mark_missed(session, now, self.config.worker.missed_after)
            dispatch.cancel_after_consent(session, now)
            deletion.end_consent(session, self.config, now)
            erasure.purge_withdrawn(session, self.config, now)  # withdrawn stories erased after [care]'s wait
            deletion.stale(session, now, self.config.worker.claim_timeout)
            stale = dispatch.stale_claims(session, now, self.config.worker.claim_timeout)
        for claimed in stale:
            self.settle_stale(claimed)
        cards.fetch_pending(self.engine, self.config, now)  # outside any transaction: a fetch may take 5 s
        if self.media_swept_at is None or now - self.media_swept_at >= MEDIA_SWEEP_EVERY:
            with transaction(self.sessions) as session:
                attachments.sweep_unused(session, self.config.media_dir, now)
            self.media_swept_at = now

    # Publishing -----------------------------------------------------------------------------------------------

    def publish(self, claimed: dispatch.Claimed) -> None:
        """Publish one claimed delivery part by part, recording each part as soon as it is out."""
        first_try = claimed.attempts == 0  # nothing of it can be out yet
        with self.engine.begin() as session:
            wait = None if claimed.account in self.held or not self.has_allowance(claimed.account) else \
                ratelimits.take(session, claimed.account_id, ratelimits.POST, self.clock())
            if claimed.account in self.held or wait:
                dispatch.release(session, claimed, self.id, run_at=wait)
                return
            claimed = dispatch.start_attempt(session, claimed, self.id, self.clock())
            done = dispatch.published_parts(session, claimed.delivery_id) if claimed and not first_try else []
        if claimed is None:  # cancelled, paused or handed on since it was claimed
            return
        try:
            publisher = self.publisher(claimed.account)
            rendered = publisher.render(claimed.outgoing)
        except PublishError as error:
            return self.record_error(claimed, error)
        except ValueError as error:  # the text cannot be fitted to this network
            return self.record_error(claimed, FinalError(str(error)))
        self.send_parts(claimed, publisher, rendered, done)

    def send_parts(self, claimed: dispatch.Claimed, publisher: Publisher, rendered, done: list[Published],
                   allowance_taken: bool = True) -> None:
        """Send the parts not yet out, each replying to the one before, taking the account's allowance for each."""
        count, first = len(rendered.parts), len(done) + 1
        for number in range(first, count + 1):
            if (number > first or not allowance_taken) and not self.may_send_next(claimed, publisher, done, count):
                return
            part = Part(claimed.outgoing, number, count, rendered.parts[number - 1], rendered.spoiler_text,
                        reply_to=done[-1] if done else None, root=done[0] if done else None)
            images = attachments.on_part(claimed.outgoing.images, number, count)
            if images:
                uploaded = self.upload_images(claimed, publisher, part, images, done)
                if uploaded is None:  # waiting for the allowance, or the upload failed: recorded already
                    return
                part = replace(part, media=uploaded)
            elif number == 1 and publisher.platform == "bluesky":  # a link card, its thumbnail uploaded like an image
                part = cards.part_with_card(self, claimed, publisher, part, done)
                if part is None:  # waiting for the allowance, or the upload failed: recorded already
                    return
            if _keys_expire(publisher):  # a resend is safe only so long after the first send: note when that was
                self._in_transaction(dispatch.note_sending, claimed, number, self.clock())
            try:
                published = publisher.publish(part)
            except PublishError as error:
                return self.record_error(claimed, error, part, done)
            except Exception as error:  # a bug or an unexpected library error: we cannot know what was sent
                log.exception("unexpected error publishing delivery %s", claimed.delivery_id)
                error = UnknownOutcome(f"unexpected error: {error.__class__.__name__}: {error}")
                return self.record_error(claimed, error, part, done)
            done.append(published)
            self.record_sent(claimed, publisher, part, done)
        if first > count:  # every part was already out (found after an unknown outcome)
            with self.engine.begin() as session:
                dispatch.mark_published(session, claimed, done[0], self.clock(), self.id)

    def may_send_next(self, claimed: dispatch.Claimed, publisher: Publisher, done: list[Published], count: int) -> bool:
        """Before a later part: stop if the post was withdrawn meanwhile, wait if the allowance ran out."""
        now = self.clock()
        with self.engine.begin() as session:
            wanted, wait = dispatch.next_part_allowed(session, claimed, self.id, now, publisher.rate_limited)
            if not wanted:
                dispatch.stop_interrupted(session, claimed, done, now, self.id)
            elif wait:
                dispatch.wait_for_allowance(session, claimed, wait, now, self.id, len(done), count)
        return wanted and not wait

    def record_sent(self, claimed: dispatch.Claimed, publisher: Publisher, part: Part, done: list[Published]) -> None:
        """Store a sent part and the allowance the answer reported; the last part completes the delivery."""
        now = self.clock()
        with self.engine.begin() as session:
            ratelimits.record(session, claimed.account_id, ratelimits.POST, self.allowance(publisher), now)
            dispatch.record_part(session, claimed, part.number, part.count, done[-1], now)
            if part.number == part.count:
                dispatch.mark_published(session, claimed, done[0], now, self.id)

    def record_error(self, claimed: dispatch.Claimed, error: PublishError, part: Part | None = None,
                     done: tuple = ()) -> None:
        """Record a failed attempt as a retry, a hold, a final failure or a case for review."""
        now, message = self.clock(), _describe(error, part, done)
        worker = self.config.worker
        if isinstance(error, UnknownOutcome):
            found = self.settle_unknown(claimed, part, message, self.id)
            if found is not None:  # the lookup found the part: go on with the rest of the thread
                publisher = self.publisher(claimed.account)
                self.send_parts(claimed, publisher, publisher.render(claimed.outgoing), list(done) + [found],
                                allowance_taken=False)
            return
        with self.engine.begin() as session:
            if isinstance(error, RetryableError) and error.rate_limited:
                wait_until = self.after_reset(error.retry_at) or now + dispatch.backoff(claimed.attempts, worker.backoff)
                ratelimits.exhaust(session, claimed.account_id, ratelimits.POST, wait_until)
            if isinstance(error, RetryableError) and (error.rate_limited or claimed.attempts < worker.max_attempts):
                dispatch.mark_retry(session, claimed, message, self.after_reset(error.retry_at), now, self.id,
                                    worker.backoff)
            elif isinstance(error, RetryableError):
                dispatch.mark_failed(session, claimed, f"gave up after {claimed.attempts} attempts: {message}", now,
                                     self.id)
            elif isinstance(error, FinalError) and error.account_problem:
                self.held.add(claimed.account)
                dispatch.hold_for_account(session, claimed, message, now, self.id)
            elif isinstance(error, FinalError) and error.duplicate and claimed.attempts > 1:
                # An earlier attempt that got no clear answer may be the "duplicate" the platform sees.
                dispatch.mark_needs_review(session, claimed, f"{message}; an earlier attempt may have published it: "
                                           "check the account before sending it again", now, self.id)
            else:
                dispatch.mark_failed(session, claimed, message, now, self.id)

    def settle_unknown(self, claimed: dispatch.Claimed, part: Part | None, message: str,
                       owner: str | None) -> Published | None:
        """Settle an unknown outcome: look the part up, or resend it later under the same key, or ask a person.

        Returns the part, already recorded, when the lookup found it, so the caller can go on with the thread.
        Network calls happen outside any transaction, so no database lock is held while waiting on a network.
        """
        publisher, backoff = self.publishers.get(claimed.account), self.config.worker.backoff
        if part is None or not isinstance(publisher, Publisher):
            return self._in_transaction(dispatch.mark_needs_review, claimed, f"{message}. Check the account: if the "
                                        "post is not there, reschedule it", self.clock(), owner)
        with self.engine.connect() as session:
            wait = ratelimits.waiting(session, claimed.account_id, ratelimits.POST, self.clock())
        if wait and publisher.resend_safe_within:
            # Even a lookup is a request: it waits for the reset, and the next attempt settles it under its key.
            return self._in_transaction(dispatch.mark_retry, claimed, f"{message}; it will be checked after the rate "
                                        "limit resets", wait, self.clock(), owner)
        if publisher.can_look_up:
            try:
                found = publisher.find(part)
            except RetryableError as error:
                if error.rate_limited:  # the lookup itself met a 429: the whole account waits for the reset
                    return self.wait_for_reset(claimed, error, f"{message}; it will be checked after the rate "
                                               "limit resets", owner)
                message = f"{message}; looking it up failed too ({error})"
            except PublishError as error:
                message = f"{message}; looking it up failed too ({error})"
            else:
                if found is None and claimed.attempts >= self.config.worker.max_attempts:
                    return self._in_transaction(dispatch.mark_failed, claimed, f"gave up after {claimed.attempts} "
                                                f"attempts: {message}; it was not published", self.clock(), owner)
                if found is None:
                    return self._in_transaction(dispatch.mark_retry, claimed, f"{message}; it was not published",
                                                None, self.clock(), owner, backoff)
                self._in_transaction(dispatch.record_part, claimed, part.number, part.count, found, self.clock())
                return found
        return self.resend_or_review(claimed, publisher, part, message, owner)

    def resend_or_review(self, claimed: dispatch.Claimed, publisher: Publisher, part: Part, message: str,
                         owner: str | None) -> None:
        """Resend under the same key while the network still keeps it and attempts are left; else ask a person.

        The network's time is counted from the part's first send, not from this attempt: Mastodon forgets a key
        an hour after the first request that used it, however often it was resent since.
        """
        with self.engine.connect() as session:
            since = dispatch.sending_since(session, claimed.delivery_id, part.number) or claimed.started_at
        window, attempts_left = publisher.resend_safe_within, claimed.attempts < self.config.worker.max_attempts
        if window and attempts_left and (since is None or self.clock() - since < window):
            return self._in_transaction(dispatch.mark_retry, claimed, f"{message}; it will be sent again under the "
                                        "same key, which cannot make a second post", None, self.clock(), owner,
                                        self.config.worker.backoff)
        if window and not attempts_left:
            message = f"{message}; no attempts are left ({claimed.attempts} made)"
        elif window:
            message = (f"{message}; it was first sent more than {_minutes(window)} ago, past the time a resend "
                       "under the same key is safe")
        return self._in_transaction(dispatch.mark_needs_review, claimed, _review_facts(claimed, part, message, since),
                                    self.clock(), owner)

    def wait_for_reset(self, claimed: dispatch.Claimed, error: RetryableError, message: str,
                       owner: str | None) -> None:
        """Hold the account until the reset a 429 named, and the delivery with it."""
        until = self.after_reset(error.retry_at) or self.clock() + dispatch.backoff(claimed.attempts,
                                                                                     self.config.worker.backoff)
        with self.engine.begin() as session:
            ratelimits.exhaust(session, claimed.account_id, ratelimits.POST, until)
            dispatch.mark_retry(session, claimed, message, until, self.clock(), owner)

    def _in_transaction(self, step, *args) -> None:
        """Run one dispatch step in its own short transaction."""
        with self.engine.begin() as session:
            step(session, *args)

    def settle_stale(self, claimed: dispatch.Claimed) -> None:
        """Settle a delivery whose worker stopped during a publish call, then finish its thread if it was found."""
        message = (f"the worker stopped while publishing this (attempt {claimed.attempts}), "
                   "so whether it went out is unknown")
        prepared = self.prepare_quietly(claimed)
        part, done = None, []
        if prepared is not None:
            publisher, rendered, done = prepared
            number = len(done) + 1
            if number > len(rendered.parts):  # every part was recorded; only the final step was lost
                return self._in_transaction(dispatch.mark_published, claimed, done[0], self.clock(), None)
            part = Part(claimed.outgoing, number, len(rendered.parts), rendered.parts[number - 1],
                        rendered.spoiler_text, reply_to=done[-1] if done else None, root=done[0] if done else None)
        # The claim's owner is gone, so settle it whoever claimed it.
        found = self.settle_unknown(claimed, part, message, None)
        if found is not None and part.number == part.count:
            self._in_transaction(dispatch.mark_published, claimed, done[0] if done else found, self.clock(), None)
        elif found is not None:
            self._in_transaction(dispatch.continue_later, claimed, self.clock())

    def prepare_quietly(self, claimed: dispatch.Claimed):
        """The publisher, rendered parts and parts already out, for settling; None when the lookup cannot be done."""
        try:
            publisher = self.publisher(claimed.account)
            rendered = publisher.render(claimed.outgoing)
        except (PublishError, ValueError):
            return None
        with self.engine.connect() as session:
            return publisher, rendered, dispatch.published_parts(session, claimed.delivery_id)

    # Deleting -------------------------------------------------------------------------------------------------

    def delete_due(self) -> None:
        """Carry out requested deletions whose delivery has settled."""
        while True:
            with self.engine.begin() as session:
                jobs = deletion.claim(session, self.id, self.clock(), self.config.worker.batch_size)
            if not jobs:
                return
            for job in jobs:
                self.delete(job)

    def delete(self, job: deletion.DeletionJob) -> None:
        """Delete every live part of one delivery, last first, each logged; stop and hand back on a problem."""
        try:
            publisher = self.publisher(job.account)
        except PublishError as error:
            return self.record_delete_error(job, error)
        for part in job.parts:
            with self.engine.begin() as session:
                wait = ratelimits.take(session, job.account_id, ratelimits.DELETE, self.clock())
                if wait:
                    return deletion.retry(session, job, "the account's allowance for deleting is used up", wait,
                                          self.clock())
            try:
                publisher.delete(part.remote_id)
            except PublishError as error:
                return self.record_delete_error(job, error)
            with self.engine.begin() as session:
                ratelimits.record(session, job.account_id, ratelimits.DELETE, self.allowance(publisher), self.clock())
                deletion.part_deleted(session, job, part, self.clock())
        with self.engine.begin() as session:
            deletion.finish(session, job, self.clock())

    def record_delete_error(self, job: deletion.DeletionJob, error: PublishError) -> None:
        """Hand a deletion back to try later, hold the account, or give up and tell an admin."""
        now, worker = self.clock(), self.config.worker
        with self.engine.begin() as session:
            if isinstance(error, RetryableError) and error.rate_limited:
                ratelimits.exhaust(session, job.account_id, ratelimits.DELETE,
                                   self.after_reset(error.retry_at) or now + dispatch.backoff(1, worker.backoff))
            if isinstance(error, FinalError) and error.account_problem:
                dispatch.mark_account(session, job.account, str(error), now)
            if isinstance(error, FinalError) and not error.account_problem:
                deletion.fail(session, job, str(error), now)
            else:  # deleting twice is harmless, so an unknown outcome is simply tried again
                retry_at = getattr(error, "retry_at", None) or now + dispatch.backoff(1, worker.backoff)
                deletion.retry(session, job, str(error), retry_at, now)

    def has_allowance(self, account: str) -> bool:
        """Tell whether the account's network limits its calls (the outbox does not), so it must be counted."""
        try:
            return self.publisher(account).rate_limited
        except PublishError:
            return False  # it cannot publish anyway; the attempt records why

    def allowance(self, publisher: Publisher) -> RateInfo | None:
        """What the last answer said about the allowance left, its reset moved on by the configured margin."""
        info = publisher.rate_info()
        return replace(info, reset_at=self.after_reset(info.reset_at)) if info else None

    def after_reset(self, reset_at: datetime | None) -> datetime | None:
        """A platform's reset time plus the margin for clocks that disagree."""
        return reset_at + self.config.worker.reset_margin if reset_at else None

    def next_wake(self) -> datetime:
        """Return when to wake: the next due post or deletion, but at least every `recheck` for new ones."""
        now = self.clock()
        with self.sessions() as session:
            due = [moment for moment in (dispatch.next_run_at(session, now), deletion.next_due(session))
                   if moment is not None]
        latest = now + self.config.worker.recheck
        return max(min(*due, latest), now) if due else latest

    # The timer's rounds ------------------------------------------------------------------------------------------

    def run_round(self) -> int | None:
        """One timer round: publish what is due and say so in the heartbeat; a failure is noted, never raised."""
        if self.stopped or self.check_file():
            return None
        try:
            count = self.run_due()
            health.beat(self.engine, self.id, utcnow(), self.outage)
        except Exception as error:  # the database or network is down, or a bug: the timer must keep going
            self.note_failure(error)
            return None
        if self.outage is not None:
            log.warning("the database answers again after %s; publishing carries on",
                        health.duration(utcnow() - self.outage.since))
            self.outage = None
        return count

    def check_file(self) -> bool:
        """Stop publishing for good when the SQLite file was deleted or replaced: what follows would be lost."""
        problem = health.file_problem(self.engine)
        if problem:
            self.stopped = problem
            log.error("%s; publishing has stopped so that nothing more goes into a file that is gone. Put the "
                      "database file back (or restore a backup) and restart recovery-voice", problem)
        return problem is not None

    def note_failure(self, error: Exception) -> None:
        """Log a failed round once per outage (a traceback only for a bug) and record it if the database lets us."""
        self.held.clear()
        message = health.describe(error)
        if self.outage is None:
            self.outage = health.Outage(utcnow(), message)
            if health.is_outage(error):
                log.warning("publishing is paused: %s; trying again every few seconds, and carrying on when it "
                            "answers (nothing is lost)", message)
            else:
                log.exception("publishing round failed; trying again at the next wake-up")
            try:
                health.record_error(self.engine, self.id, message, self.outage.since)
            except Exception:  # expected while the database is down; the summary is recorded when it returns
                pass
        self.outage.failures += 1

    def next_wake_safely(self) -> datetime:
        """When the timer should fire next; during an outage, after a growing pause, without touching the database."""
        if self.stopped:
            return utcnow() + self.config.worker.recheck * health.ALIVE_ROUNDS
        if self.outage is None:
            try:
                return self.next_wake()
            except Exception as error:
                self.note_failure(error)
        return utcnow() + health.retry_delay(self.config.worker, self.outage.failures)


def _describe(error: PublishError, part: Part | None, done) -> str:
    """Say which part of a thread an error is about, and which parts are already out."""
    if part is None or part.count == 1:
        return str(error)
    out = f"; parts 1 to {len(done)} are out ({done[-1].url or done[-1].remote_id} is the last)" if done else ""
    return f"part {part.number} of {part.count}: {error}{out}"


def _keys_expire(publisher: Publisher) -> bool:
    """Tell whether the network forgets an idempotency key after a while (Mastodon), so first sends are noted."""
    window = publisher.resend_safe_within
    return window is not None and window != timedelta.max


def _minutes(window: timedelta) -> str:
    """A window as a person says it: "50 minutes"."""
    return f"{int(window.total_seconds() // 60)} minutes"


def _review_facts(claimed: dispatch.Claimed, part: Part, message: str, since: datetime | None = None) -> str:
    """What a person needs to check an unknown outcome by hand: where, when, and the start of the text."""
    since = since or claimed.started_at
    started = f" at {since:%Y-%m-%d %H:%M:%S} UTC" if since else ""
    text = part.text if len(part.text) <= 80 else part.text[:79] + "…"
    which = f"part {part.number} of {part.count} " if part.count > 1 else ""
    return (f"{message}. Look on the account {claimed.account!r} for a post made{started} that begins "
            f"\"{text}\" ({which}attempt {claimed.attempts}). If it is not there, reschedule the post; "
            "if it is, leave this as it is")
