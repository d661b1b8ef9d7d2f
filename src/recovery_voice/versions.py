"""Every version of a story as its storyteller wrote it, saved when it is submitted or changed.

Kept so a storyteller can download each version they wrote; erased with the story (erasure.erase_story).
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import Story, StoryVersion, utcnow


def save(session: Session, story: Story, now: datetime | None = None) -> StoryVersion:
    """Save the story's current words and consent as its version number `story.version`."""
    row = StoryVersion(story_id=story.id, version=story.version, title=story.title, text=story.text,
                       naming=story.naming, shown_name=story.shown_name, networks=list(story.networks or []),
                       consent_until=story.consent_until, content_warning=story.content_warning,
                       saved_at=now or utcnow())
    session.add(row)
    session.flush()
    return row


def of_story(session: Session, story_id: int) -> list[StoryVersion]:
    """Return a story's saved versions, first to last."""
    return list(session.scalars(select(StoryVersion).where(StoryVersion.story_id == story_id)
                                .order_by(StoryVersion.version)))


def forget(session: Session, story_id: int) -> int:
    """Delete every saved version of a story; return how many there were."""
    return session.execute(delete(StoryVersion).where(StoryVersion.story_id == story_id)
                           .execution_options(synchronize_session=False)).rowcount
