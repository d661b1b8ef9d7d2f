"""Images on posts: the rules before approval, and a post with images going all the way to the outbox."""

import io
import os
import stat
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import delete, select, update

from recovery_voice import attachments
from recovery_voice.attachments import AttachmentProblem, NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import (
    PEOPLE_AGREED, PEOPLE_NONE, Attachment, Delivery, DeliveryMedia, DeliveryPart, LogEntry, Post, Story, User,
)
from recovery_voice.posts import Draft, PostProblem, create_post, list_posts
from recovery_voice.review import approve
from recovery_voice.stories import StoryDraft, approve_story, sign_off, submit, withdraw
from recovery_voice.worker import Worker

from imagekit import SECRET_WORDS, encoded, gradient_noise, phone_photo, screenshot

CAFE = "Six people laughing round a café table, cups of tea in front of them."


def photo(alt: str = CAFE, **answers) -> NewImage:
    """A phone photo with GPS and the rest, as a volunteer attaches it."""
    return NewImage(phone_photo(), "IMG_0042.jpg", alt=alt, people=answers.pop("people", PEOPLE_AGREED), **answers)


def queue(project, sessions, clock, images, text="Our café is open on Tuesday, all welcome.", accounts=None):
    """Store the images as a door would, then make a pending post with them; return its id."""
    stored = store_new(project.config.media_dir, images)
    with transaction(sessions) as session:
        draft = Draft(text=text, images=stored, accounts=accounts, when=(clock.now + timedelta(hours=1)).isoformat())
        return create_post(session, project.config, draft, created_by="val@example.org", now=clock.now).id


def test_an_image_is_stored_without_its_metadata_in_a_private_folder(project):
    [stored] = store_new(project.config.media_dir, [photo()])
    files = [path for path in project.config.media_dir.iterdir() if path.is_file()]
    assert [path.name for path in files] == [f"{stored.digest}.jpg"]
    data = files[0].read_bytes()
    assert not any(secret in data for secret in SECRET_WORDS)
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(project.config.media_dir.stat().st_mode) == 0o700


def test_it_refuses_a_photo_without_an_answer_about_the_people_in_it(project):
    with pytest.raises(AttachmentProblem, match="recognised") as refused:
        store_new(project.config.media_dir, [photo(people=None)])
    assert (refused.value.position, refused.value.field) == (1, "people")
    assert not project.config.media_dir.exists()


def test_a_bad_third_image_leaves_nothing_stored(project):
    good = [photo(), NewImage(encoded(screenshot(800, 450), "PNG"), "flyer.png", alt="Flyer", people=PEOPLE_NONE)]
    bad = NewImage(b"GIF89a" + b"\x00" * 10, "walk.gif", alt="A walk", people=PEOPLE_NONE)
    with pytest.raises(AttachmentProblem, match="walk.gif") as refused:
        store_new(project.config.media_dir, good + [bad])
    assert refused.value.position == 3
    assert list(project.config.media_dir.glob("*.*")) == []


def test_it_refuses_five_images_and_decorative_images_with_alt_text(project):
    with pytest.raises(AttachmentProblem, match="at most 4"):
        store_new(project.config.media_dir, [photo()] * 5)
    with pytest.raises(AttachmentProblem, match="decorative"):
        store_new(project.config.media_dir, [photo(decorative=True)])


def test_alt_text_too_long_for_x_is_refused_before_anything_is_scheduled(project, sessions, clock):
    project.write_config(accounts='[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "A"\n'
                         'consumer_secret_env = "B"\naccess_token_env = "C"\naccess_token_secret_env = "D"\n'
                         f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\n')
    sessions = project.init_db()
    with pytest.raises(PostProblem, match=r"1,200 characters, but X \(account 'x-main'\) takes at most 1,000"):
        queue(project, sessions, clock, [photo(alt="A" * 1200)])
    queue(project, sessions, clock, [photo(alt="A" * 1200)], accounts=["outbox"])  # the outbox takes 2,000
    with sessions() as session:
        assert session.scalar(select(Post.id).order_by(Post.id.desc())) == 1


def test_an_image_without_alt_text_blocks_approval_until_a_reason_is_written_and_logged(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo(alt="")])
    with transaction(sessions) as session:
        assert session.get(Post, post_id).worst_finding == "error"
        with pytest.raises(PostProblem, match="image 1 has no alt text"):
            approve(session, project.config, [post_id], "ada@example.org")
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "ada@example.org",
                override_reason="The flyer's words are all in the post text itself.")
    with sessions() as session:
        entry = session.scalars(select(LogEntry).where(LogEntry.event == "approved_override")).one()
        assert entry.reason == "The flyer's words are all in the post text itself."
        assert "without alt text on image 1" in entry.error


def test_a_decorative_image_needs_no_alt_text_and_its_choice_is_recorded(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo(alt="", decorative=True, people=PEOPLE_NONE)])
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "ada@example.org")
    [listed] = list_posts(sessions())
    assert listed["images"][0]["decorative"] is True and listed["images"][0]["alt"] == ""


def test_alt_text_is_checked_by_the_language_check_like_any_text(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo(alt="A junkie asleep in a doorway.")])
    with transaction(sessions) as session:
        [row] = attachments.of_post(session, post_id)
        assert [f["rule"] for f in row.findings if "junkie" in f["text"]]
        assert session.get(Post, post_id).worst_finding == "error"
        with pytest.raises(PostProblem, match="in image 1's alt text"):
            approve(session, project.config, [post_id], "ada@example.org")


def test_posts_list_shows_each_image_with_its_digest_alt_size_and_people_consent(project, sessions, clock):
    queue(project, sessions, clock, [photo(), photo(alt="The same table, later.", people=PEOPLE_NONE, part=2)])
    [listed] = list_posts(sessions())
    assert [(i["position"], i["alt"], i["people"], i["part"]) for i in listed["images"]] == [
        (1, CAFE, PEOPLE_AGREED, 1), (2, "The same table, later.", PEOPLE_NONE, 2)]
    assert listed["images"][0]["width"] == 640 and len(listed["images"][0]["digest"]) == 64


def test_a_post_with_images_reaches_the_outbox_with_fitted_metadata_free_files(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo(), NewImage(encoded(gradient_noise(300, 200), "PNG"), "chart.png",
                                                                  alt="A chart rising.", people=PEOPLE_NONE)])
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "ada@example.org", now=clock.now)
    clock.now += timedelta(hours=1)
    assert Worker(project.config, sessions, clock).run_due() == 1
    [line] = project.outbox_lines()
    assert [(i["alt"], i["width"], i["height"]) for i in line["images"]] == [(CAFE, 640, 480),
                                                                            ("A chart rising.", 300, 200)]
    for image in line["images"]:
        written = project.outbox.with_name("outbox-images") / image["file"].rsplit("/", 1)[-1]
        assert str(written) == image["file"] and written.is_file()
        assert not any(secret in written.read_bytes() for secret in SECRET_WORDS)
        with Image.open(io.BytesIO(written.read_bytes())) as opened:
            assert opened.getexif() == {} and "icc_profile" not in opened.info
    with sessions() as session:
        assert session.scalar(select(Post.status).where(Post.id == post_id)) == "published"
        assert len(session.scalars(select(DeliveryMedia)).all()) == 2
        uploads = session.scalars(select(LogEntry).where(LogEntry.event == "media_uploaded")).all()
        assert len(uploads) == 2 and "alt text \"Six people laughing" in uploads[0].reason


def test_an_upload_recorded_before_a_crash_is_reused_not_sent_again(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo()])
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "ada@example.org", now=clock.now)
    clock.now += timedelta(hours=1)
    worker = Worker(project.config, sessions, clock)
    images_dir = project.outbox.with_name("outbox-images")
    worker.run_due()
    first = {path.name: path.stat().st_mtime_ns for path in images_dir.iterdir()}
    with sessions() as session:
        [recorded] = session.scalars(select(DeliveryMedia)).all()
    # The outbox line is lost (as if the worker died after the upload was recorded and before the post call):
    project.outbox.write_text("")
    with transaction(sessions) as session:
        session.execute(update(Delivery).values(status="scheduled", run_at=clock.now, remote_id=None))
        session.execute(delete(DeliveryPart))
    worker.run_due()
    [line] = project.outbox_lines()
    assert line["images"][0]["file"] == recorded.remote_id
    assert {path.name: path.stat().st_mtime_ns for path in images_dir.iterdir()} == first
    with sessions() as session:
        assert len(session.scalars(select(DeliveryMedia)).all()) == 1


def test_withdrawing_a_story_deletes_its_photos_from_disk(project, sessions, clock):
    [stored] = store_new(project.config.media_dir, [photo(alt="The bench by the river where I sat that day.")])
    with transaction(sessions) as session:
        author = User(email="river@example.org", display_name="River", password_hash="x", role="storyteller")
        session.add(author)
        session.flush()
        draft = StoryDraft("The bench", "I sat there every morning for a year.", "first_name", "River",
                           ["outbox"], (clock.now + timedelta(days=90)).date(), images=[stored])
        story = submit(session, project.config, author, draft, now=clock.now)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org", now=clock.now)
        [copied] = attachments.of_post(session, story.post_id)
        assert copied.digest == stored.digest
    assert (project.config.media_dir / f"{stored.digest}.jpg").is_file()
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, story.id), now=clock.now, media_dir=project.config.media_dir)
    assert not (project.config.media_dir / f"{stored.digest}.jpg").exists()
    with sessions() as session:
        assert session.scalars(select(Attachment)).all() == []


def test_an_image_nothing_uses_is_deleted_a_day_after_it_was_stored_and_one_in_use_is_kept(project, sessions, clock):
    post_id = queue(project, sessions, clock, [photo()])
    [abandoned] = store_new(project.config.media_dir, [NewImage(encoded(screenshot(400, 300), "PNG"), "flyer.png",
                                                                alt="Flyer", people=PEOPLE_NONE)])
    with sessions() as session:
        [used] = attachments.of_post(session, post_id)
    files = {path.stem: path for path in project.config.media_dir.glob("*.*")}
    assert set(files) == {used.digest, abandoned.digest}
    worker = Worker(project.config, sessions, clock)
    worker.sweep()  # stored just now: the person may still be on their way to queueing it
    assert set(path.stem for path in project.config.media_dir.glob("*.*")) == {used.digest, abandoned.digest}
    day_old = (clock.now - timedelta(days=1, minutes=1)).timestamp()
    for path in files.values():
        os.utime(path, (day_old, day_old))
    clock.now += timedelta(hours=1)
    worker.sweep()
    assert [path.stem for path in project.config.media_dir.glob("*.*")] == [used.digest]
