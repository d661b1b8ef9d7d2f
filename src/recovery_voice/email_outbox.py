"""The worker's side of email: claim due emails from the outbox, send them, retry, and make the daily digests.

Guarantee: an email is marked "sending" (one conditional UPDATE, so two workers never take the same one)
before the worker talks to the mail server. If the worker is killed mid-send, nobody knows whether the
server took the message; once the lease has passed, that email is queued once more and sent again, and
if a second send is cut off too it is marked failed rather than risk a third copy. So each email is sent
at most once more than asked, never lost silently, and its Message-ID stays the same, so a mail client
folds a repeat. A server that is down or refuses for now (4xx) is retried with a growing wait, without
limit: the email waits, it is never dropped. Only a final refusal (5xx for that address) fails it.
"""

import logging
from datetime import datetime, time, timedelta

from jinja2 import TemplateError
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import email_words, emails, mailer
from .config import Config
from .models import (
    EMAIL_DIGEST,
    EMAIL_DIGESTED,
    EMAIL_FAILED,
    EMAIL_HELD,
    EMAIL_OFF,
    EMAIL_QUEUED,
    EMAIL_SENDING,
    EMAIL_SENT,
    Email,
    EmailSettings,
    User,
)

log = logging.getLogger("recovery_voice.email")
DIGEST_AT = time(8, 0)  # the daily summary is made from this local time on (then held through quiet hours)
KEEP_SENT = timedelta(days=30)  # sent emails hold personal words: kept only this long, to answer "did it go?"
LONGEST_WAIT = timedelta(hours=1)  # retries while the server is down wait at most this long
EMAIL_SKIPPED = "skipped"  # not sent: what it was about had been dealt with by then
SECRET_KINDS = ("password_reset", "invitation")  # their link is a key: the stored copy loses it once done with
REMOVED = "(the one-time link was removed from this copy once the email was sent or given up)"


def lease(config: Config) -> timedelta:
    """How long a "sending" email may stay so before its worker is taken to have stopped."""
    return max(config.worker.claim_timeout, timedelta(seconds=config.email.timeout * 4))


def claim_one(session: Session, worker_id: str, now: datetime) -> int | None:
    """Mark the next due email "sending" for this worker with one conditional UPDATE; return its id."""
    due = (select(Email.id).where(Email.status == EMAIL_QUEUED, Email.send_after <= now)
           .order_by(Email.send_after, Email.id).limit(1).with_for_update(skip_locked=True).cte("due_email"))
    return session.scalar(
        update(Email).add_cte(due)
        .where(Email.id.in_(select(due.c.id)), Email.status == EMAIL_QUEUED)
        .values(status=EMAIL_SENDING, claimed_by=worker_id, claimed_at=now, attempts=Email.attempts + 1)
        .returning(Email.id).execution_options(synchronize_session=False))


def settle_stale(session: Session, now: datetime, longest: timedelta) -> int:
    """Queue once more an email whose worker stopped mid-send; fail one cut off twice (it may have arrived)."""
    stale = list(session.scalars(select(Email).where(Email.status == EMAIL_SENDING, Email.claimed_at < now - longest)
                                 .with_for_update(skip_locked=True)))  # two workers settling at once: one takes each
    for email in stale:
        email.interrupted += 1
        email.claimed_by = None
        if email.interrupted > 1:
            email.status = EMAIL_FAILED
            email.last_error = ("the worker stopped twice while sending this email, so it may have arrived; "
                                "it is not sent a third time")
            _drop_key(email)
        else:
            email.status, email.send_after = EMAIL_QUEUED, now
            email.last_error = "the worker stopped while sending this email; it is sent once more"
        log.warning("email %s: %s", email.id, email.last_error)
    return len(stale)


def make_digests(session: Session, config: Config, now: datetime) -> int:
    """Gather each person's held emails into one daily summary, from DIGEST_AT local time, once a day."""
    today, made = now.astimezone(config.timezone).date(), 0
    owners = set(session.scalars(select(Email.user_id).where(Email.status == EMAIL_HELD)))
    for user_id in owners:
        row = session.get(EmailSettings, user_id, with_for_update=True)  # a second worker waits, then sees it made
        wants_digest = row is not None and row.delivery == EMAIL_DIGEST
        if wants_digest and (now.astimezone(config.timezone).time() < DIGEST_AT or row.last_digest_on == today):
            continue
        if row is not None and row.delivery == EMAIL_OFF:  # they chose no emails since these were held
            session.execute(update(Email).where(Email.user_id == user_id, Email.status == EMAIL_HELD)
                            .values(status=EMAIL_SKIPPED, last_error="its person chose no emails"))
            continue
        if not _digest_for(session, config, session.get(User, user_id), now):
            continue  # nothing left worth telling: today's one summary is still to come
        made += 1
        if row is not None:
            row.last_digest_on = today
    return made


def _digest_for(session: Session, config: Config, user: User, now: datetime) -> bool:
    """Make one digest email of a person's held emails still worth telling (quiet hours hold it like any other
    when it is sent); return whether there was anything to make it of."""
    held = list(session.scalars(select(Email).where(Email.user_id == user.id, Email.status == EMAIL_HELD)
                                .order_by(Email.id)))
    held = [email for email in held if not _no_longer_needed(session, email)]  # e.g. a story's post, approved at once
    if not held:
        return False
    digest = Email(user_id=user.id, to_address=user.email, kind="digest", facts={"count": len(held)},
                   status=EMAIL_QUEUED, send_after=now, message_id=emails.message_id(), attempts=0, interrupted=0,
                   created_at=now)
    session.add(digest)
    session.flush()
    for email in held:
        email.status, email.digest_id = EMAIL_DIGESTED, digest.id
    return True


def forget_old(session: Session, now: datetime) -> int:
    """Delete emails done with (sent, carried in a digest or no longer needed) more than KEEP_SENT ago."""
    done = (EMAIL_SENT, EMAIL_DIGESTED, EMAIL_SKIPPED)
    return session.execute(delete(Email).where(Email.status.in_(done), Email.created_at < now - KEEP_SENT)
                           .execution_options(synchronize_session=False)).rowcount


def words_for(session: Session, config: Config, email: Email) -> email_words.Words:
    """Write the email's subject and body now, with this worker's config."""
    user = session.get(User, email.user_id) if email.user_id else None
    name = user.display_name if user is not None else ""
    if email.kind == "digest":
        items = session.scalars(select(Email).where(Email.digest_id == email.id).order_by(Email.id))
        return email_words.digest(config, [(item.kind, item.facts) for item in items], name)
    return email_words.whole(config, email.kind, email.facts, name, has_settings=user is not None)


def send_due(engine: Engine, config: Config, worker_id: str, clock) -> int:
    """Send every email due now, one claim at a time; stop the round when the server is unreachable."""
    with Session(engine) as session, session.begin():
        settle_stale(session, clock(), lease(config))
        make_digests(session, config, clock())
        forget_old(session, clock())
    sent = 0
    while True:
        with Session(engine) as session, session.begin():
            email_id = claim_one(session, worker_id, clock())
            if email_id is None:
                return sent
            email = session.get(Email, email_id)
            if _held_for_quiet_hours(session, config, email, clock()) or _no_longer_needed(session, email):
                continue
            try:
                outgoing = _outgoing(session, config, email)
            except TemplateError as error:  # a bug, not the server: fail this one email, never the whole round
                _words_failed(email, error)
                continue
        if not _send_one(engine, config, email_id, worker_id, outgoing, clock):
            return sent  # the server is down or refusing for now: the rest wait for a later round
        sent += 1


def _words_failed(email: Email, error: TemplateError) -> None:
    """Mark an email failed whose words could not be written, saying why."""
    email.status, email.claimed_by = EMAIL_FAILED, None
    email.last_error = f"its words could not be written ({error}); nothing was sent"
    _drop_key(email)
    log.error("email %s: %s", email.id, email.last_error)


def _held_for_quiet_hours(session: Session, config: Config, email: Email, now: datetime) -> bool:
    """Put back an email that would arrive in its person's quiet hours, due when they end (resets never wait)."""
    if email.user_id is None or email.kind in emails.ESSENTIAL:
        return False
    until = emails.quiet_until(emails.choices(session, email.user_id), now, config.timezone)
    if until is None:
        return False
    email.status, email.send_after, email.claimed_by, email.attempts = EMAIL_QUEUED, until, None, email.attempts - 1
    return True


def _no_longer_needed(session: Session, email: Email) -> bool:
    """Drop an email asking admins to review something already dealt with (a story's post is approved at once)."""
    if email.kind != "review_waiting" or emails.still_waiting(session, email.facts):
        return False
    email.status, email.claimed_by, email.last_error = EMAIL_SKIPPED, None, "dealt with before it was sent"
    return True


def _outgoing(session: Session, config: Config, email: Email) -> mailer.Outgoing:
    """The email as the mailer sends it, its words written now and kept on the row as sent."""
    words = words_for(session, config, email)
    email.subject, email.body_text = words.subject, words.text
    return mailer.Outgoing(email.to_address, words.subject, words.text, email_words.as_html(words.text),
                           full_message_id(config, email.message_id))


def full_message_id(config: Config, unique: str) -> str:
    """The Message-ID header: the email's unique part at the sender's domain."""
    domain = mailer.address_of(config.email.sender).rpartition("@")[2] or "recovery-voice.invalid"
    return f"<{unique}@{domain}>"


def _send_one(engine: Engine, config: Config, email_id: int, worker_id: str, outgoing: mailer.Outgoing,
              clock) -> bool:
    """Hand one email to the server and record what happened; return False when the round should stop."""
    try:
        mailer.send(config.email, outgoing)
    except mailer.MailError as error:
        with Session(engine) as session, session.begin():
            if (email := _still_ours(session, email_id, worker_id)) is not None:
                _record_failure(session, config, email, error, clock())
        return not error.retryable
    with Session(engine) as session, session.begin():
        if (email := _still_ours(session, email_id, worker_id)) is not None:
            _record_sent(session, email, clock())
    return True


def _still_ours(session: Session, email_id: int, worker_id: str) -> Email | None:
    """The email, if this worker still holds it: one whose lease passed mid-send may be another worker's now."""
    email = session.get(Email, email_id, with_for_update=True)
    return email if email.status == EMAIL_SENDING and email.claimed_by == worker_id else None


def _record_sent(session: Session, email: Email, now: datetime) -> None:
    """Mark an email sent, removing any one-time link from the stored copy."""
    email.status, email.sent_at, email.last_error, email.claimed_by = EMAIL_SENT, now, None, None
    _drop_key(email)


def _drop_key(email: Email) -> None:
    """Remove a one-time link from an email done with (sent or failed), as only its hash is kept elsewhere."""
    if email.kind in SECRET_KINDS:
        email.facts = {key: value for key, value in email.facts.items() if key != "path"}
        email.body_text = REMOVED if email.body_text else None


def _record_failure(session: Session, config: Config, email: Email, error: mailer.MailError, now: datetime) -> None:
    """Wait and try again when waiting may help (never giving up), else mark the email failed with why."""
    email.last_error, email.claimed_by = str(error), None
    if error.retryable:
        doublings = min(max(email.attempts - 1, 0), 30)  # bounded: a long outage must not overflow timedelta
        wait = min(config.worker.backoff * 2 ** doublings, LONGEST_WAIT)
        email.status, email.send_after = EMAIL_QUEUED, now + wait
        log.warning("email %s not sent (attempt %s), trying again in %s: %s", email.id, email.attempts, wait, error)
    else:
        email.status = EMAIL_FAILED
        _drop_key(email)
        log.error("email %s not sent and not retried: %s", email.id, error)


def trouble(session: Session, now: datetime) -> dict | None:
    """For admins' pages: whether emails wait after failed tries, or one was given up in the last day, and why.

    Nothing else tells anyone that the mail server refuses the password or is down: the emails only wait.
    """
    waiting = (Email.status == EMAIL_QUEUED) & (Email.attempts > 0)
    given_up = (Email.status == EMAIL_FAILED) & (Email.created_at >= now - timedelta(days=1))
    row = session.execute(select(Email.status, Email.last_error).where(Email.last_error.is_not(None), waiting | given_up)
                          .order_by(Email.id.desc()).limit(1)).first()
    return None if row is None else {"waiting": row.status == EMAIL_QUEUED, "error": row.last_error}


def send_test(config: Config, address: str) -> None:
    """Send a test email at once, bypassing the outbox; MailError says what went wrong."""
    words = email_words.whole(config, "test", {}, "", has_settings=False)
    mailer.send(config.email, mailer.Outgoing(address, words.subject, words.text, None,
                                              full_message_id(config, emails.message_id())))
