"""Stories: a storyteller submits, edits and withdraws their own story; an admin approves or rejects it.

Below the web layer, so the command line could call the same functions. What is approved is a
version: editing an approved story cancels what was scheduled from it and asks for approval again.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from . import approvals, attachments, care, deletion, emails, final_text, logbook, versions
from . import safeguarding
from .config import Config
from .language import check
from .models import (
    CLAIMED,
    NAMINGS,
    PUBLISHED,
    SCHEDULED,
    STORY_APPROVED,
    STORY_PENDING,
    STORY_REJECTED,
    STORY_WITHDRAWN,
    Delivery,
    DeliveryMedia,
    Post,
    Story,
    StorySignOff,
    User,
    utcnow,
)
from .posts import Draft, PostProblem, create_post, stop_unsent
from .review import MIN_REASON, approve, check_length, check_override

MAX_STORY = 10000
NAMING_LABELS = {
    "own_name": "My own name",
    "first_name": "My first name only",
    "pseudonym": "A name I choose (pseudonym)",
    "anonymous": "Anonymous: no name at all",
}


# Where a story's sign-off of its final text stands (signoff_state).
SIGNED, NOT_SIGNED, EDITED, RENDERING_CHANGED = "signed", "not signed", "edited", "rendering changed"


class StoryProblem(PostProblem):
    """A story cannot be submitted or changed as asked; the message says what to fix, `field` which answer."""

    def __init__(self, message: str, field: str | None = None, kind: str = "", **details):
        super().__init__(message, field, kind, **details)


@dataclass
class StoryDraft:
    """What a storyteller writes and agrees to."""

    title: str
    text: str
    naming: str
    shown_name: str | None
    networks: list[str] = field(default_factory=list)
    consent_until: date | None = None
    content_warning: str | None = None
    # Photos (attachments.Attached, stored by the door); on an edit, None keeps the story's photos as they are.
    images: list | None = None


def _checked(config: Config, draft: StoryDraft, today: date) -> StoryDraft:
    """Check a draft and return it tidied, raising StoryProblem saying what to fix."""
    title, text = (draft.title or "").strip(), (draft.text or "").strip()
    if not title or len(title) > 200:
        raise StoryProblem("give your story a title of up to 200 characters", "title")
    if not text or len(text) > MAX_STORY:
        raise StoryProblem(f"write your story here: up to {MAX_STORY} characters", "text")
    if draft.naming not in NAMINGS:
        raise StoryProblem("choose how you want to be named", "naming")
    shown = (draft.shown_name or "").strip() or None
    if draft.naming != "anonymous" and not shown:
        raise StoryProblem("write the name you want shown, or choose anonymous", "shown_name")
    known = {a.name for a in config.accounts}
    if not draft.networks or not set(draft.networks) <= known:
        raise StoryProblem("choose at least one place where your story may be shared", "networks")
    if draft.consent_until is None or draft.consent_until <= today:
        raise StoryProblem("choose a date after today until which we may share your story", "consent_until")
    warning = (draft.content_warning or "").strip() or None
    if warning and len(warning) > 500:
        raise StoryProblem("keep the content warning under 500 characters", "content_warning")
    networks = list(dict.fromkeys(draft.networks))
    if draft.images is not None:
        _check_photos(config, draft.images, networks)
    return StoryDraft(title, text, draft.naming, None if draft.naming == "anonymous" else shown,
                      networks, draft.consent_until, warning, draft.images)


def _check_photos(config: Config, images: list, networks: list[str]) -> None:
    """At most four photos, each alt text within what every network the storyteller chose takes."""
    try:
        attachments.check_networks(images, {name: config.account(name).platform for name in networks})
    except attachments.AttachmentProblem as problem:
        raise StoryProblem(str(problem), "images") from problem


def _set_photos(session: Session, config: Config, story: Story, images: list | None, now: datetime) -> None:
    """Give the story these photos (replacing any it had), each alt text checked; the worst finding counts them."""
    if images is not None:
        old = attachments.of_story(session, story.id)
        for row in old:
            session.delete(row)
        session.flush()
        attachments.attach(session, story, images, voice="storyteller", settings=config.language,
                           actor=logbook.user_ref(story.author_id), now=now)
        attachments.forget_unused(session, config.media_dir, {row.digest for row in old})
    story.worst_finding = attachments.worst(story.worst_finding, attachments.of_story(session, story.id))


def _apply(story: Story, draft: StoryDraft, report, config: Config, author: User) -> None:
    """Copy a checked draft, its language report and its care result (title and text) onto a story."""
    story.title, story.text, story.naming, story.shown_name = draft.title, draft.text, draft.naming, draft.shown_name
    story.networks, story.consent_until, story.content_warning = draft.networks, draft.consent_until, draft.content_warning
    story.findings, story.worst_finding = [f.to_dict() for f in report.findings], report.worst()
    # The one care answer every later reader uses: the title is published too, so it is checked with the text.
    story.care = care.assess_story(draft.title, draft.text, naming=draft.naming, own_name=author.display_name,
                                   region=config.region, shown_name=draft.shown_name)


def submit(session: Session, config: Config, author: User, draft: StoryDraft, now: datetime | None = None) -> Story:
    """Save a new story, waiting for approval."""
    now = now or utcnow()
    draft = _checked(config, draft, now.astimezone(config.timezone).date())
    story = Story(author_id=author.id, status=STORY_PENDING, version=1, created_at=now, updated_at=now)
    _apply(story, draft, check(draft.text, voice="storyteller", settings=config.language), config, author)
    session.add(story)
    session.flush()
    _set_photos(session, config, story, draft.images or [], now)
    emails.waiting_for_review(session, "story", story.id, story.title, now)
    logbook.record(session, "story_submitted", actor=logbook.user_ref(author.id), at=now, reason=f"story {story.id}")
    versions.save(session, story, now)  # every version as written, for the storyteller's download
    safeguarding.after_save(session, config, story, now)  # the leads are told at once if they may be at risk now
    return story


def _log_name(story: Story, actor: str | None) -> str:
    """Name who acted on a story in the log: the storyteller by user id, never by email (stories may be anonymous)."""
    if actor is None or actor == story.author.email:
        return logbook.user_ref(story.author_id)
    return actor


def own_story(session: Session, story_id: int, author: User) -> Story | None:
    """Return a story only when this person wrote it."""
    story = session.get(Story, story_id)
    return story if story is not None and story.author_id == author.id else None


def edit(session: Session, config: Config, story: Story, actor: str | None, draft: StoryDraft,
         now: datetime | None = None) -> Story:
    """Change a story that has not gone out; an approved one is taken off the timetable for approval again.

    The post made from the earlier version is stopped, taken down if any of it may have reached a network,
    and its text erased: the storyteller replaced those words. `actor` None means the storyteller.
    """
    now = now or utcnow()
    actor = _log_name(story, actor)
    refusal = change_refusal(session, story)
    if refusal is not None:
        raise StoryProblem(refusal)
    draft = _checked(config, draft, now.astimezone(config.timezone).date())
    if story.status == STORY_APPROVED:
        stop_unsent(session, story.post_id, now)
        deletion.request(session, story.post_id, f"story {story.id} was changed; its earlier version is withdrawn",
                         actor, now)
        erase_post_text(session, story.post_id, now)
        attachments.remove(session, config.media_dir, post_id=story.post_id)
    was_in_crisis = safeguarding.in_crisis(story)  # the leads who know already are not told again of a redaction
    _apply(story, draft, check(draft.text, voice="storyteller", settings=config.language), config, story.author)
    _set_photos(session, config, story, draft.images, now)
    was = story.status
    story.status, story.version, story.updated_at, story.review_note = STORY_PENDING, story.version + 1, now, None
    approvals.forget_first(session, story, actor, now)  # the words a first admin approved are gone
    logbook.record(session, "story_edited", post_id=story.post_id, actor=actor, at=now,
                   reason=f"story {story.id} version {story.version}")
    versions.save(session, story, now)  # every version as written, for the storyteller's download
    if was != STORY_PENDING:  # one already waiting was announced when it began to wait, as posts are
        emails.waiting_for_review(session, "story", story.id, story.title, now)
    safeguarding.after_save(session, config, story, now, was_in_crisis=was_in_crisis)
    return story


def change_refusal(session: Session, story: Story) -> str | None:
    """Say why the storyteller can no longer change this story (withdrawn, or already shared), or None if they can."""
    if story.status == STORY_WITHDRAWN:
        return "this story was withdrawn; write a new one to share it again"
    if story.status == STORY_APPROVED and _went_out(session, story):
        return "this story has already been shared, so it can no longer be changed; you can withdraw it"
    return None


def withdraw(session: Session, story: Story, actor: str | None = None, now: datetime | None = None, *,
             media_dir: Path) -> Story:
    """Withdraw a story at once: nothing scheduled from it goes out, its words and photos are erased, and it is
    logged. `actor` None means the storyteller.
    """
    now = now or utcnow()
    if story.status == STORY_WITHDRAWN:
        raise StoryProblem("this story is already withdrawn")
    actor = _log_name(story, actor)
    story.status, story.withdrawn_at, story.updated_at = STORY_WITHDRAWN, now, now
    note = f"story {story.id} withdrawn by its storyteller"
    logbook.record(session, "story_withdrawn", post_id=story.post_id, actor=actor, at=now, reason=note)
    emails.forget_story(session, story.id, story.post_id)
    safeguarding.after_withdraw(session, story, now)  # the leads still hear, without the withdrawn words
    if story.post_id is not None:
        stop_unsent(session, story.post_id, now)
        deletion.request(session, story.post_id, note, actor, now)
        erase_post_text(session, story.post_id, now)
        attachments.remove(session, media_dir, post_id=story.post_id)
    attachments.remove(session, media_dir, story_id=story.id)
    _erase_story(story)
    return story


def _erase_story(story: Story) -> None:
    """Erase a withdrawn story's words; its title stays for its storyteller alone, to recognise it by."""
    story.text, story.shown_name, story.content_warning, story.review_note = "", None, None, None
    story.findings, story.worst_finding = [], None
    if story.care:  # the identifiers found quote the words; whether they may be at risk stays for the support page
        story.care = {**story.care, "identifiers": []}
    if story.signoff is not None:  # a digest of the words could confirm a guess of them
        story.signoff.digest = None


def erase_post_text(session: Session, post_id: int, now: datetime) -> None:
    """Erase the text of a post made from a story that was withdrawn or replaced by a newer version.

    Its deliveries keep their ids, status, remote ids and parts: all the log and deletion need. Their
    consent ends now, so no retry, resume or resend can ever send the erased (empty) text.
    """
    session.execute(update(Post).where(Post.id == post_id)
                    .values(text="", content_warning=None, findings=[], worst_finding=None, template_vars=None,
                            link_card=None))
    session.execute(update(Delivery).where(Delivery.post_id == post_id).values(consent_ends_at=now))
    forget_photo_words(session, post_id)


def forget_photo_words(session: Session, post_id: int) -> None:
    """Erase the alt text kept with a post's photos uploaded to the networks (the storyteller's words too)."""
    session.execute(update(DeliveryMedia).where(DeliveryMedia.delivery_id.in_(
        select(Delivery.id).where(Delivery.post_id == post_id))).values(alt="")
        .execution_options(synchronize_session=False))


def review_text(story: Story) -> str | None:
    """The story as it would go out, for an admin to read; None once withdrawn (only its storyteller sees it)."""
    return None if story.status == STORY_WITHDRAWN else post_text(story)


def _went_out(session: Session, story: Story) -> bool:
    """Tell whether any delivery of the story's post was published."""
    if story.post_id is None:
        return False
    return session.scalar(select(Delivery.id).where(Delivery.post_id == story.post_id,
                                                    Delivery.status == PUBLISHED).limit(1)) is not None


def post_text(story: Story) -> str:
    """Render the text that goes out: title, story and the name the storyteller chose."""
    credit = f"— {story.shown_name}" if story.shown_name else "— shared anonymously by a member of our community"
    return f"{story.title}\n\n{story.text}\n\n{credit}"


def approve_story(session: Session, config: Config, story_id: int, actor: str,
                  override_reason: str | None = None, now: datetime | None = None,
                  seen_version: int | None = None) -> Story:
    """Approve a story's current version: make a post on the consented networks and schedule it.

    Refused until the storyteller has signed off the final text exactly as it would go out now (sign_off). A story
    whose saved care touches suicide or a death from drugs needs two admins (approvals.py): the first approval is
    recorded and the story keeps waiting; the second makes the post.
    `seen_version` is the version the approver read (the web form always sends it); a story changed since
    is refused, so nobody approves words they never saw.
    """
    now = now or utcnow()
    story = _waiting(session, story_id, seen_version)
    _check_signed_off(session, config, story)
    refusal = approvals.block(session, story, actor)
    if refusal is not None:
        raise refusal
    if approvals.is_first(story):  # it touches a death: recorded, and it waits for a second admin
        check_override(story.id, story.worst_finding, override_reason, "story")
        approvals.record_first(session, story, actor, now,
                               override_reason if story.worst_finding == "error" else None)
        return story
    photos = [attachments.Attached.of(row) for row in attachments.of_story(session, story.id)]
    draft = Draft(text=post_text(story), accounts=list(story.networks), content_warning=story.content_warning,
                  voice="storyteller", theme="identity", images=photos)
    post = create_post(session, config, draft, created_by=logbook.user_ref(story.author_id),
                       source=f"story {story.id}", now=now)
    # The story's own care answer gates (and foots) its post, and its first approval carries over to it.
    post.care = {**(post.care or {}), "topics": list((story.care or {}).get("topics", []))}
    if approvals.first_approver(story) is not None:
        post.first_approved_by, post.first_approved_at = story.first_approved_by, story.first_approved_at
    approve(session, config, [post.id], actor, override_reason=override_reason, now=now)
    consent_ends = consent_end(config, story)
    for delivery in post.deliveries:
        delivery.consent_ends_at = consent_ends
    if any(d.due_at >= consent_ends for d in post.deliveries):
        raise StoryProblem(f"the next free slot is after the storyteller's consent ends ({story.consent_until}); "
                           "ask them to extend it, or free an earlier slot")
    story.status, story.approved_version, story.post_id = STORY_APPROVED, story.version, post.id
    story.reviewed_by, story.reviewed_at, story.review_note = actor, now, None
    emails.story_approved(session, story.id, post.id, now)
    return story


def consent_end(config: Config, story: Story) -> datetime:
    """The moment a story's consent ends: the organisation's midnight after its last day."""
    return datetime.combine(story.consent_until + timedelta(days=1), time(), config.timezone)


def reject_story(session: Session, story_id: int, actor: str, reason: str, now: datetime | None = None,
                 seen_version: int | None = None) -> Story:
    """Send a story back to its storyteller with a reason they will see (refused if it changed since `seen_version`)."""
    now = now or utcnow()
    check_length(reason, "reason")
    if not reason or len(reason.strip()) < MIN_REASON:
        raise StoryProblem("say in a sentence why, so the storyteller knows what to change", "reason", "too_short",
                           minimum=MIN_REASON)
    story = _waiting(session, story_id, seen_version)
    story.status, story.review_note, story.reviewed_by, story.reviewed_at = STORY_REJECTED, reason.strip(), actor, now
    logbook.record(session, "story_rejected", actor=actor, at=now, reason=f"story {story.id}: {reason.strip()}")
    emails.story_sent_back(session, story.id, reason.strip(), now)
    return story


def _waiting(session: Session, story_id: int, seen_version: int | None) -> Story:
    """Return a story waiting for approval, as the reviewer saw it, or raise StoryProblem."""
    story = session.get(Story, story_id)
    if story is None:
        raise StoryProblem(f"there is no story {story_id}")
    if story.status != STORY_PENDING:
        raise StoryProblem(f"story {story_id} is {story.status}, not waiting for approval")
    if seen_version is not None and seen_version != story.version:
        raise StoryProblem(f"story {story_id} was changed by its storyteller after you opened it: it is now "
                           f"version {story.version}, shown below. Read it and decide again")
    return story


def final_texts(session: Session, config: Config, story: Story) -> list[final_text.NetworkText]:
    """Exactly what each account the storyteller chose would receive now: its parts, footer, warning and photos."""
    photos = attachments.of_story(session, story.id)
    return final_text.network_texts(config, post_text(story), list(story.networks), story.content_warning, photos,
                                    story.care)  # the saved care decides the support line, as the worker's does


def final_digest(session: Session, config: Config, story: Story, texts: list | None = None) -> str:
    """The digest of the story's final text as it would go out now (of `texts` when already rendered)."""
    texts = final_texts(session, config, story) if texts is None else texts
    return final_text.digest(texts, story.content_warning, attachments.of_story(session, story.id))


def signoff_state(session: Session, config: Config, story: Story) -> str:
    """Say whether the storyteller signed off the final text as it would go out now.

    EDITED: they signed off an earlier version; RENDERING_CHANGED: the same version now goes out differently
    (a footer or an account changed since).
    """
    signoff = story.signoff
    if signoff is None:
        return NOT_SIGNED
    if signoff.version != story.version:
        return EDITED
    return SIGNED if signoff.digest == final_digest(session, config, story) else RENDERING_CHANGED


def sign_off(session: Session, config: Config, story: Story, seen_version: int | None = None,
             seen_digest: str | None = None, now: datetime | None = None) -> StorySignOff:
    """Record that the storyteller read and agreed the final text of this version, as it goes out on each network.

    `seen_version` and `seen_digest` are what their page showed (the web form always sends both): a story or a
    rendering that changed since is refused, so nobody signs off words they never saw.
    """
    now = now or utcnow()
    if story.status != STORY_PENDING:
        raise StoryProblem(_not_signable(story))
    texts = final_texts(session, config, story)
    current = final_digest(session, config, story, texts)
    if (seen_version is not None and seen_version != story.version) or (seen_digest is not None
                                                                        and seen_digest != current):
        raise StoryProblem("what will be published changed after you opened this page; read it again below "
                           "and sign off if you agree")
    if not texts:
        raise StoryProblem("none of the places you chose is set up any more; change your story to choose another",
                           "networks")
    for text in texts:
        if text.problem:
            raise StoryProblem(f"your story cannot go out on {text.label} as it is: {text.problem}")
    story.signoff = story.signoff or StorySignOff(story_id=story.id)
    story.signoff.version, story.signoff.digest, story.signoff.signed_at = story.version, current, now
    logbook.record(session, "story_signed_off", actor=logbook.user_ref(story.author_id), at=now,
                   reason=f"story {story.id} version {story.version}")
    return story.signoff


def _not_signable(story: Story) -> str:
    """Say why a story that is not waiting for approval cannot be signed off."""
    if story.status == STORY_WITHDRAWN:
        return "this story was withdrawn, so there is nothing to sign off"
    if story.status == STORY_REJECTED:
        return "this story was sent back to you: change it first, then sign off the new final text"
    return "this story is already approved with the final text you signed off"


def storyteller_name(story: Story) -> str:
    """Name the storyteller for the admins reviewing their story: their display name, else "the storyteller"."""
    return (story.author.display_name or "").strip() or "the storyteller"


def _check_signed_off(session: Session, config: Config, story: Story) -> None:
    """Refuse to approve a story whose storyteller has not signed off the final text as it would go out now."""
    state, name = signoff_state(session, config, story), storyteller_name(story)
    if state == NOT_SIGNED:
        raise StoryProblem(f"{name} has not signed off the final text yet; you can approve it once they have, "
                           "or send it back with a note now", "signoff")
    if state == EDITED:
        raise StoryProblem(f"{name} changed the story after signing it off; it can be approved once they sign "
                           "off the new final text", "signoff")
    if state == RENDERING_CHANGED:
        raise StoryProblem(f"the final text changed since {name} signed it off (a footer or an account changed); "
                           "it can be approved once they sign it off again", "signoff")


def stories_by(session: Session, author: User) -> list[Story]:
    """Return a storyteller's stories, newest first."""
    return list(session.scalars(select(Story).where(Story.author_id == author.id).order_by(Story.id.desc())))


def waiting_stories(session: Session, limit: int = 100) -> list[Story]:
    """Return stories waiting for approval, oldest first, with their storyteller and sign-off (the queue shows both)."""
    return list(session.scalars(select(Story).where(Story.status == STORY_PENDING).order_by(Story.id).limit(limit)
                                .options(selectinload(Story.author), selectinload(Story.signoff))))


def status_words(session: Session, story: Story, config: Config | None = None) -> str:
    """Say where a story is, in the storyteller's terms (with `config`, whether it waits for their sign-off)."""
    if story.status == STORY_PENDING and config is not None and signoff_state(session, config, story) != SIGNED:
        return "Waiting for you to sign off the final text"
    if story.status == STORY_APPROVED and story.post_id is not None:
        post_status = session.get(Post, story.post_id).status
        if post_status == PUBLISHED:
            return "Shared"
        if post_status in (SCHEDULED, CLAIMED, "publishing"):
            return "Approved: it will be shared soon"
        return "Approved, but not shared: an admin is looking into it"
    if story.status == STORY_WITHDRAWN and story.post_id is not None:
        removals = set(session.scalars(select(Delivery.deletion).where(Delivery.post_id == story.post_id,
                                                                       Delivery.deletion.is_not(None))))
        if removals & {"requested", "deleting"}:
            return "Withdrawn: it is being removed from the networks"
        if removals == {"deleted"}:
            return "Withdrawn and removed from the networks"
        if "failed" in removals:
            return "Withdrawn: an admin is removing it from the networks by hand"
    return {STORY_PENDING: "Waiting for approval", STORY_REJECTED: "Sent back to you with a note",
            STORY_WITHDRAWN: "Withdrawn: it will not be shared"}.get(story.status, story.status)
