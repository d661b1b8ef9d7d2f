"""The database tables: users, accounts, posts, per-account deliveries and the publishing log."""

from datetime import date, datetime, time, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Every constraint gets a predictable name, so Alembic can alter it later (SQLite batch mode needs it).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Post and delivery statuses. A post's status summarises its deliveries once it is approved.
PENDING = "pending"          # waiting for approval
SCHEDULED = "scheduled"      # approved, waiting for its time
CLAIMED = "claimed"          # taken by a worker, not yet sent: safe to hand back
PUBLISHING = "publishing"    # the call to the network is in flight: its outcome may be unknown
PUBLISHED = "published"
FAILED = "failed"            # a final error: a person must change something
NEEDS_REVIEW = "needs_review"  # outcome unknown: a person must check the network
MISSED = "missed"            # far past its time, not sent late
CANCELLED = "cancelled"
REJECTED = "rejected"
PAUSED = "paused"            # approved, held back by a person until they resume it
DRAFT = "draft"              # saved by its author, not queued: no deliveries, not checked for approval, no slot
POST_STATUSES = (PENDING, SCHEDULED, CLAIMED, PUBLISHING, PUBLISHED, FAILED, NEEDS_REVIEW, MISSED, CANCELLED, REJECTED,
                 PAUSED, DRAFT)
# Slot occupancy: these deliveries hold their slot; cancelled, missed and failed ones free it.
HOLDS_SLOT = (PENDING, SCHEDULED, CLAIMED, PUBLISHING, PUBLISHED, NEEDS_REVIEW, PAUSED)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store aware datetimes as naive UTC so SQLite and PostgreSQL compare them alike."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is needed")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Attach UTC to the stored naive value."""
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who signs in: storyteller, volunteer or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on sign-out, deactivation and password change: a session cookie from an earlier generation
    # no longer signs anyone in, even if it was copied.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Told at once by email when a story suggests its storyteller may be at risk now (care).
    safeguarding_lead: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Set when the person erased their account: the row stays only so that "user N" in the log is never
    # reused for someone else; email and name are replaced, so N no longer leads to anyone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Account(Base):
    """The state of one configured social account (the config holds its settings)."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="ok")  # ok | needs_attention | removed
    last_error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A Bluesky login session, encrypted with a key derived from the account's app password, so that
    # every worker reuses one session instead of logging in per post (createSession is tightly limited).
    session: Mapped[str | None] = mapped_column(Text)


class RateLimit(Base):
    """What the platform last said about one account's allowance for one kind of call ("post" or "delete")."""

    __tablename__ = "rate_limits"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(10), primary_key=True)
    remaining: Mapped[int | None] = mapped_column(Integer)
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Post(Base):
    """One post: its text, where it goes, its language findings and its approval."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_created_by_id", "created_by", "id"),)  # "My posts", newest first
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(100))
    template_vars: Mapped[dict | None] = mapped_column(JSON)
    theme: Mapped[str | None] = mapped_column(String(20))
    content_warning: Mapped[str | None] = mapped_column(String(500))
    when: Mapped[str] = mapped_column(String(40), default="next-slot")
    voice: Mapped[str] = mapped_column(String(20), default="organisation")
    findings: Mapped[list] = mapped_column(JSON, default=list)
    worst_finding: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(String(300))
    source_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # A Bluesky link card for the post's first link, fetched once when it was queued (uri, title, description,
    # thumb: a stored image's digest or None), or {"uri": ..., "problem": ...} when it could not be made.
    link_card: Mapped[dict | None] = mapped_column(JSON)
    # care.assess of the text ({"topics", "crisis", "identifiers"}), saved with the language findings.
    care: Mapped[dict | None] = mapped_column(JSON)
    # A post touching suicide or a death from drugs needs two admins: the first approval is kept here.
    first_approved_by: Mapped[str | None] = mapped_column(String(320))
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account names its author chose, kept so a draft (which has no deliveries yet) remembers them.
    chosen_accounts: Mapped[list | None] = mapped_column(JSON)
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="post", order_by="Delivery.id")
    images: Mapped[list["Attachment"]] = relationship(
        primaryjoin="Post.id == Attachment.post_id", order_by="Attachment.position", viewonly=True)


class Delivery(Base):
    """One post going to one account: the unit a worker claims and publishes."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id", name="uq_deliveries_post_account"),
        Index("ix_deliveries_claim", "status", "run_at"),
        Index("ix_deliveries_account_due", "account_id", "due_at"),
        Index("ix_deliveries_due_at", "due_at"),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_deletion", "deletion"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)  # due_at, or the time of the next retry
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    remote_url: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Chosen when the delivery is made, so a retry after an unknown outcome can look the post up
    # (Bluesky record keys); never changes afterwards.
    remote_key: Mapped[str | None] = mapped_column(String(40))
    # Removing what was published (after a withdrawal, a cancellation or the end of consent):
    # None, requested, deleting, deleted or failed.
    deletion: Mapped[str | None] = mapped_column(String(20))
    deletion_reason: Mapped[str | None] = mapped_column(Text)
    # A story's consent end: the worker never claims the delivery at or after it, however it was rescheduled.
    consent_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The part being sent and when it was first sent, so a resend under the same idempotency key stays within
    # the window the network keeps that key, counted from the first send, not from each attempt.
    sending_part: Mapped[int | None] = mapped_column(Integer)
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post: Mapped[Post] = relationship(back_populates="deliveries")
    account: Mapped[Account] = relationship()
    parts: Mapped[list["DeliveryPart"]] = relationship(order_by="DeliveryPart.number")


class DeliveryPart(Base):
    """One published part of a delivery: the only part of a short post, or one post of a thread."""

    __tablename__ = "delivery_parts"
    __table_args__ = (UniqueConstraint("delivery_id", "number", name="uq_delivery_parts_delivery_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first part
    remote_id: Mapped[str] = mapped_column(String(300))
    remote_cid: Mapped[str | None] = mapped_column(String(100))  # Bluesky: needed to reply to this part
    url: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


PEOPLE_NONE = "none"      # no identifiable people in the image
PEOPLE_AGREED = "agreed"  # identifiable people, and the person attaching it confirmed they agreed
PEOPLE_ANSWERS = (PEOPLE_NONE, PEOPLE_AGREED)


class Attachment(Base):
    """An image on a post or on a story: the stored (metadata-free) file's digest, its alt text and consent."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("post_id", "position", name="uq_attachments_post_position"),
        UniqueConstraint("story_id", "position", name="uq_attachments_story_position"),
        Index("ix_attachments_digest", "digest"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    position: Mapped[int] = mapped_column(Integer)  # 1 to 4, the order people see them in
    digest: Mapped[str] = mapped_column(String(64))  # names the stored file in the media folder
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(Text, default="")
    decorative: Mapped[bool] = mapped_column(Boolean, default=False)  # empty alt text chosen on purpose
    people: Mapped[str] = mapped_column(String(10))  # PEOPLE_NONE or PEOPLE_AGREED
    part: Mapped[int] = mapped_column(Integer, default=1)  # the thread part it goes on (the last if fewer)
    findings: Mapped[list] = mapped_column(JSON, default=list)  # the language check of the alt text
    worst_finding: Mapped[str | None] = mapped_column(String(10))
    added_by: Mapped[str | None] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryMedia(Base):
    """An image uploaded for one part of a delivery, recorded before the post is made so a retry reuses it."""

    __tablename__ = "delivery_media"
    __table_args__ = (UniqueConstraint("delivery_id", "number", "position", name="uq_delivery_media_part_position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"))
    number: Mapped[int] = mapped_column(Integer)  # the part
    position: Mapped[int] = mapped_column(Integer)  # the attachment's position
    digest: Mapped[str] = mapped_column(String(64))  # the fitted file's digest
    remote_id: Mapped[str] = mapped_column(String(300))
    ref: Mapped[dict | None] = mapped_column(JSON)  # Bluesky: the blob reference
    alt: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerHeartbeat(Base):
    """What one worker process last said about itself: its last good round and its last error."""

    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_round_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LogEntry(Base):
    """One line of the append-only publishing log: an attempt, an approval or a state change."""

    __tablename__ = "log_entries"
    __table_args__ = (
        Index("ix_log_entries_event_at", "event", "at"),
        Index("ix_log_entries_account_at", "account", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    account: Mapped[str | None] = mapped_column(String(40))
    attempt: Mapped[int | None] = mapped_column(Integer)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(320))
    approved_by: Mapped[str | None] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)


# Story statuses. "Approved" means a post was made from the approved version and scheduled.
STORY_PENDING = "pending"
STORY_APPROVED = "approved"
STORY_REJECTED = "rejected"
STORY_WITHDRAWN = "withdrawn"
NAMINGS = ("own_name", "first_name", "pseudonym", "anonymous")


class Story(Base):
    """A storyteller's own story: its current version, their consent and where it is in review."""

    __tablename__ = "stories"
    __table_args__ = (Index("ix_stories_author_status", "author_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    naming: Mapped[str] = mapped_column(String(20))
    shown_name: Mapped[str | None] = mapped_column(String(100))
    networks: Mapped[list] = mapped_column(JSON, default=list)
    consent_until: Mapped[date] = mapped_column(Date)
    content_warning: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=STORY_PENDING, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    approved_version: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    worst_finding: Mapped[str | None] = mapped_column(String(10))
    review_note: Mapped[str | None] = mapped_column(Text)  # the reason a reviewer gave when rejecting
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(320))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    care: Mapped[dict | None] = mapped_column(JSON)  # care.assess of title and text, as the storyteller's voice
    first_approved_by: Mapped[str | None] = mapped_column(String(320))  # see Post.first_approved_by
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_approved_version: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[User] = relationship()
    signoff: Mapped["StorySignOff | None"] = relationship(uselist=False, cascade="all, delete-orphan")


class StorySignOff(Base):
    """The storyteller's sign-off of the final text: which version, which rendering (a digest of it) and when."""

    __tablename__ = "story_signoffs"
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str | None] = mapped_column(String(64))  # erased when the story is withdrawn
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Invitation(Base):
    """An invitation to join: only a hash of its one-time token is kept."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TimetableSlot(Base):
    """A weekly slot kept in the database once an admin edits the timetable (until then the config's are used)."""

    __tablename__ = "timetable_slots"
    __table_args__ = (
        UniqueConstraint("weekday", "local_time", name="uq_timetable_slots_weekday_time"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 is Monday
    local_time: Mapped[time] = mapped_column(Time)  # wall-clock time in the organisation's time zone
    # A removed slot keeps its row, so "every slot removed" differs from "never edited, use the config".
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str | None] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Deactivation(Base):
    """A person who may no longer sign in: the row's presence is the switch, so reactivating deletes it."""

    __tablename__ = "deactivations"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    deactivated_by: Mapped[str] = mapped_column(String(320))
    deactivated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed sign-in against a key (a hash of an email or an address), shared by every web process."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# Email outbox statuses: queued (waiting for its time), sending (a worker is handing it to the server),
# sent, held (waiting for its owner's daily digest), digested (sent inside a digest), failed (given up).
EMAIL_QUEUED, EMAIL_SENDING, EMAIL_SENT = "queued", "sending", "sent"
EMAIL_HELD, EMAIL_DIGESTED, EMAIL_FAILED = "held", "digested", "failed"


class Email(Base):
    """One email in the outbox, queued with the event that causes it and sent by a worker."""

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_claim", "status", "send_after"),
                      Index("ix_emails_user_status", "user_id", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    # What happened, as the event gave it; the words are written from these when the email is sent,
    # with the config of the worker sending it (the organisation's name, zone and web address).
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(String(300))  # as sent
    body_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=EMAIL_QUEUED)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)  # kept for every resend of this email
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    interrupted: Mapped[int] = mapped_column(Integer, default=0)  # sends cut off by a worker stopping mid-send
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(Integer)  # the digest email that carried a held one
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


EMAIL_EACH, EMAIL_DIGEST, EMAIL_OFF = "each", "digest", "off"
EMAIL_CHOICES = (EMAIL_EACH, EMAIL_DIGEST, EMAIL_OFF)


class EmailSettings(Base):
    """One person's email choices: each event, a daily digest or none, and quiet hours (organisation's zone)."""

    __tablename__ = "email_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10), default=EMAIL_EACH)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    last_digest_on: Mapped[date | None] = mapped_column(Date)  # the local day of the last digest made


class PasswordReset(Base):
    """A password reset link: only a hash of its one-time token is kept."""

    __tablename__ = "password_resets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StoryVersion(Base):
    """One version of a story as its storyteller wrote it: kept so they can download every version."""

    __tablename__ = "story_versions"
    __table_args__ = (UniqueConstraint("story_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    naming: Mapped[str] = mapped_column(String(20))
    shown_name: Mapped[str | None] = mapped_column(String(100))
    networks: Mapped[list] = mapped_column(JSON, default=list)
    consent_until: Mapped[date] = mapped_column(Date)
    content_warning: Mapped[str | None] = mapped_column(String(500))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoryView(Base):
    """One time someone other than its storyteller read or changed a story: who, when and what."""

    __tablename__ = "story_views"
    __table_args__ = (Index("ix_story_views_story_at", "story_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    what: Mapped[str] = mapped_column(String(40))  # "read", "reviewed", "approved", "sent back", ...


class PublishingPause(Base):
    """An organisation-wide pause of all publishing; the one with no ended_at is in force."""

    __tablename__ = "publishing_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(320))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_by: Mapped[str | None] = mapped_column(String(320))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class BlackoutDate(Base):
    """A day (in the organisation's time zone) when nothing goes out."""

    __tablename__ = "blackout_dates"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # W-pause: the day's start and end in UTC, worked out in the organisation's zone when it was added (DST-correct),
    # so the worker's claim can refuse "now" inside a blackout day without knowing the zone.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
