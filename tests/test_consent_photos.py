"""A storyteller's photos follow their story's consent: when it ends, the worker takes the post down from the
networks and deletes the photos from the database, the media folder and the outbox's images folder."""

from datetime import timedelta

from sqlalchemy import select

from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import PEOPLE_NONE, Attachment, Delivery, LogEntry, User
from recovery_voice.stories import StoryDraft, approve_story, consent_end, sign_off, submit
from recovery_voice.worker import Worker

from imagekit import phone_photo
from web_fixtures import make_people

BENCH = "The bench by the river where I sat every morning that first year."


def story_with_photo(project, sessions, clock, days=10):
    """A storyteller's story with one photo, approved; return (story id, post id, consent end, photo digest)."""
    [stored] = store_new(project.config.media_dir, [NewImage(phone_photo(), "bench.jpg", alt=BENCH,
                                                             people=PEOPLE_NONE)])
    author = make_people(sessions)["storyteller"]
    until = clock.now.astimezone(project.config.timezone).date() + timedelta(days=days)
    draft = StoryDraft(title="The bench", text="I sat there every morning for a year, and then I got up.",
                       naming="pseudonym", shown_name="River", networks=["outbox"], consent_until=until,
                       images=[stored])
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), draft, now=clock.now)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org", now=clock.now)
        return story.id, story.post_id, consent_end(project.config, story), stored.digest


def media_files(project, digest):
    """The stored photo and its fitted variants in the media folder."""
    folder = project.config.media_dir
    return sorted(folder.glob(f"{digest}.*")) + sorted(folder.glob(f"fitted/{digest}-*"))


def outbox_images(project):
    folder = project.outbox.with_name(project.outbox.stem + "-images")
    return sorted(folder.iterdir()) if folder.is_dir() else []


def due_at(sessions, post_id):
    with sessions() as session:
        return session.scalar(select(Delivery.due_at).where(Delivery.post_id == post_id))


def photos_left(sessions):
    with sessions() as session:
        return session.scalars(select(Attachment)).all()


def test_when_the_consent_of_a_published_story_ends_its_post_and_its_photos_are_deleted(project, sessions, clock):
    _, post_id, ends, digest = story_with_photo(project, sessions, clock)
    clock.now = due_at(sessions, post_id)
    worker = Worker(project.config, sessions, clock)
    assert worker.run_due() == 1
    [line] = project.outbox_lines()
    assert line["images"][0]["alt"] == BENCH and len(outbox_images(project)) == 1
    assert media_files(project, digest) and len(photos_left(sessions)) == 2  # the story's and its post's
    clock.now = ends + timedelta(days=1)
    worker.run_due()
    assert project.outbox_lines() == []  # taken down from the network
    assert outbox_images(project) == []
    assert media_files(project, digest) == []
    assert photos_left(sessions) == []
    with sessions() as session:
        entry = session.scalar(select(LogEntry).where(LogEntry.event == "story_photos_deleted"))
        assert entry.post_id == post_id and "consent ended" in entry.reason


def test_photos_of_a_story_whose_consent_ended_before_it_was_published_are_deleted(project, sessions, clock):
    _, post_id, ends, digest = story_with_photo(project, sessions, clock)
    clock.now = ends + timedelta(days=1)  # no worker ran while it was due (it was paused, or the server was down)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == [] and outbox_images(project) == []
    assert media_files(project, digest) == [] and photos_left(sessions) == []


def test_photos_of_a_story_still_inside_its_consent_are_kept(project, sessions, clock):
    _, post_id, ends, digest = story_with_photo(project, sessions, clock)
    clock.now = due_at(sessions, post_id)
    assert clock.now < ends
    Worker(project.config, sessions, clock).run_due()
    assert media_files(project, digest) and len(photos_left(sessions)) == 2 and len(outbox_images(project)) == 1
