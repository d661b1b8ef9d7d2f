"""The safety net: a story whose words suggest its storyteller may be at risk now is never only queued.

When a storyteller submits or changes a story and its saved care result says so, the safeguarding leads
(admins an admin marked as such on the People page) are emailed at once, once for each version of the
story: the kind "safeguarding" is essential (emails.ESSENTIAL), so no digest, quiet hours or "no emails"
holds it. With no lead who can sign in, every admin is told instead. The story itself is queued as any
other and never rejected by this: a person decides, with the storyteller. The web door shows the
storyteller where to get support now (support_parts), in words that never say they were "flagged".
"""

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import emails, logbook, viewing
from .config import Config
from .models import Deactivation, LogEntry, Story, User, utcnow

ALERT = "safeguarding_alert"  # the log's event, one per story version whose storyteller may be at risk
WITHDRAWN = "safeguarding_withdrawn"  # the email kind telling the leads such a story was withdrawn
EXCERPT = 1500  # characters of the story the email quotes: enough to read it, bounded for a 10,000-character story
MAX_REASONS = 5
# A phone number or short code in a support line ("116 123", "0800 123 4567", "+44 20 7946 0000", "988"), or an
# email address ("hello@brighterdays.org").
NUMBER = re.compile(r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|\+?\d[\d ]{1,16}\d|\b\d{3}\b")


class SafeguardingProblem(ValueError):
    """The safeguarding lead mark cannot be changed as asked; the message says why."""


# Who is told --------------------------------------------------------------------------------------------------

def leads(session: Session) -> list:
    """The safeguarding leads who can still sign in: admins with the mark, not deactivated."""
    off = select(Deactivation.user_id)
    return list(session.execute(select(*emails.PERSON).where(User.safeguarding_lead.is_(True), User.role == "admin",
                                                               User.id.not_in(off), User.erased_at.is_(None))
                                .order_by(User.id)))


def to_tell(session: Session) -> tuple[list, bool]:
    """The people to tell when a storyteller may be at risk: the leads, or every admin when there is none.

    The second value says whether it fell back to every admin.
    """
    found = leads(session)
    return (found, False) if found else (emails.admins(session), True)


def in_crisis(story: Story) -> bool:
    """Whether the story's saved care result says its storyteller may be at risk now.

    A story saved before care results were kept (care is None) is asked of the crisis check directly.
    """
    if story.care is not None:
        return bool(story.care.get("crisis"))
    from .care import crisis  # loaded only for a story without a saved result

    return any(crisis.at_risk(words or "") for words in (story.title, story.text))


# The alert ----------------------------------------------------------------------------------------------------

def after_save(session: Session, config: Config, story: Story, now: datetime | None = None, *,
               was_in_crisis: bool = False) -> int:
    """After a story is submitted or changed: tell the leads at once if it is in crisis and they do not know yet.

    They know when an earlier version was told and the version before this one was in crisis too: a redaction
    or a small change tells them nothing new. Returns how many people were emailed.
    """
    if not in_crisis(story) or already_told(session, story.id, story.version):
        return 0
    if was_in_crisis and told_before(session, story.id):
        return 0
    now = now or utcnow()
    people, fallback = to_tell(session)
    facts = _facts(session, story, fallback)
    told = 0
    for person in people:
        if emails.queue(session, "safeguarding", facts, user=person, now=now) is not None:
            told += 1
            viewing.record(session, story.id, person.id, viewing.EMAILED, now)  # the story's words went to them
    logbook.record(session, ALERT, actor=None, at=now,
                   reason=f"story {story.id} version {story.version}: {told} "
                          f"{'admins' if fallback else 'safeguarding leads'} emailed")
    return told


def already_told(session: Session, story_id: int, version: int) -> bool:
    """Whether the leads were already told about this version of the story."""
    mark = f"story {story_id} version {version}:%"
    return session.scalar(select(LogEntry.id).where(LogEntry.event == ALERT, LogEntry.reason.like(mark))
                          .limit(1)) is not None


def told_before(session: Session, story_id: int) -> bool:
    """Whether the leads were told about any version of the story."""
    return session.scalar(select(LogEntry.id).where(LogEntry.event == ALERT,
                                                    LogEntry.reason.like(f"story {story_id} version %"))
                          .limit(1)) is not None


def after_withdraw(session: Session, story: Story, now: datetime | None = None) -> int:
    """After a story the leads were told about is withdrawn: tell them again, who and how to reach them, without
    its words (withdrawing erased them, and with them any alert not sent yet). Returns how many were emailed.

    Safety comes first: a storyteller who may be at risk is not safer because they took their words back.
    """
    if not told_before(session, story.id):
        return 0
    now = now or utcnow()
    people, fallback = to_tell(session)
    author = session.get(User, story.author_id)
    # The path names the story, so erasing the account (erasure.erase_story, emails.forget_story) takes this too.
    facts = {"teller": (author.display_name or "").strip() or "the storyteller", "teller_email": author.email,
             "fallback": fallback, "path": f"/review/stories/{story.id}"}
    told = sum(emails.queue(session, WITHDRAWN, facts, user=person, now=now) is not None for person in people)
    logbook.record(session, ALERT, actor=None, at=now, reason=f"story {story.id} withdrawn: {told} "
                   f"{'admins' if fallback else 'safeguarding leads'} told, without its words")
    return told


def _facts(session: Session, story: Story, fallback: bool) -> dict:
    """What the email says: the story, who wrote it and how to reach them, what worried the check, the link."""
    author = session.get(User, story.author_id)
    return {"title": story.title, "teller": (author.display_name or "").strip() or "the storyteller",
            "teller_email": author.email, "excerpt": _excerpt(story.text), "reasons": reasons(story.text),
            "version": story.version, "fallback": fallback, "path": f"/review/stories/{story.id}"}


def _excerpt(text: str) -> str:
    """The story's words for the email, cut at EXCERPT characters (the link opens the whole)."""
    text = (text or "").strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "…"


def reasons(text: str) -> list[str]:
    """The parts of the text that suggested a risk now, when the crisis check can say (care.crisis.reasons)."""
    from .care import crisis  # the check's own module: loaded only when there is a story in crisis

    return [str(reason) for reason in crisis.reasons(text or "")][:MAX_REASONS]


# The lead mark ------------------------------------------------------------------------------------------------

def set_lead(session: Session, user_id: int, lead: bool, actor: User) -> User:
    """Mark or unmark someone as a safeguarding lead; only admins can be leads; logged."""
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise SafeguardingProblem("that person is not here any more")
    if lead and user.role != "admin":
        raise SafeguardingProblem(f"only admins can be safeguarding leads: make {user.email} an admin first")
    if bool(user.safeguarding_lead) == lead:
        raise SafeguardingProblem(f"{user.email} is {'already' if lead else 'not'} a safeguarding lead")
    user.safeguarding_lead = lead
    logbook.record(session, "safeguarding_lead_set" if lead else "safeguarding_lead_cleared", actor=actor.email,
                   reason=logbook.user_ref(user.id))
    return user


def role_changed(session: Session, user: User, actor: User) -> bool:
    """After a role change: someone who is no longer an admin stops being a lead (logged); return whether they did.

    Cleared rather than kept dormant, so that making them an admin again never silently makes them a lead.
    """
    if user.role == "admin" or not user.safeguarding_lead:
        return False
    user.safeguarding_lead = False
    logbook.record(session, "safeguarding_lead_cleared", actor=actor.email,
                   reason=f"{logbook.user_ref(user.id)}: no longer an admin")
    return True


# Where to get support -----------------------------------------------------------------------------------------

def support_parts(line: str) -> list[tuple[str, str]]:
    """Split a support line into ("text", words) and ("tel", "sms" or "mailto", address) pieces, for links.

    A number after "text ... to" is for a text message; any other is for a call.
    """
    parts, last = [], 0
    for match in NUMBER.finditer(line):
        before = line[last:match.start()]
        parts += [("text", before)] if before else []
        parts.append((_link_kind(line[:match.start()], match), match.group(0).strip()))
        last = match.end()
    return parts + ([("text", line[last:])] if line[last:] else [])


def _link_kind(before: str, match: re.Match) -> str:
    """Whether an address in a support line is for an email, a text message or a call."""
    if match.group("email"):
        return "mailto"
    texting = re.search(r"\btext\b[^.,;:]*\bto\s*$", before, re.I) and not re.search(r"\bcall\b[^.,;:]*$", before,
                                                                                      re.I)
    return "sms" if texting else "tel"


def dial(address: str) -> str:
    """An address as its link wants it: an email as it is; a number as digits and a leading plus only."""
    return address if "@" in address else re.sub(r"[^\d+]", "", address)


def support(config: Config) -> dict:
    """Where to get support now: the organisation's own contact first, then the regional lines, as link pieces."""
    contact = config.care.support_contact
    return {"contact": support_parts(contact) if contact else None,
            "lines": [support_parts(line) for line in config.care.support_lines]}
