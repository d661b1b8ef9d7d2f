"""Downloading everything held about a person: one zip of JSON files and photos, for a storyteller and a volunteer."""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from recovery_voice import data_export, logbook
from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import PEOPLE_NONE, Delivery, Story, StoryView, User
from recovery_voice.posts import Draft, create_post
from recovery_voice.stories import StoryDraft, approve_story, edit, sign_off, submit, withdraw
from recovery_voice.worker import Worker

from imagekit import phone_photo
from web_fixtures import PEOPLE, csrf_from, make_app, make_people, sign_in

FIRST = "The first morning I walked to the meeting, the river was frozen."
SECOND = "The first morning I walked to the meeting, the river was frozen, and so was I."
BENCH_ALT = "A wooden bench beside a frozen river at sunrise."
GONE = "I wrote about the winter I stopped, and then I took it back."
POST_TEXT = "Our Tuesday walking group meets at the library at ten."


@dataclass
class Shared:
    """What shared_life made: the people, the two stories and the photo's digest."""

    people: dict
    kept: int
    withdrawn: int
    digest: str


def draft_of(title, text, images=None):
    """A story as River, on the outbox, until 2099."""
    return StoryDraft(title=title, text=text, naming="pseudonym", shown_name="River", networks=["outbox"],
                      consent_until=date(2099, 1, 1), images=images)


def _publish_now(project, sessions, clock):
    """Bring every delivery's time to now and let the worker publish it."""
    with transaction(sessions) as session:
        session.execute(update(Delivery).where(Delivery.status == "scheduled").values(due_at=clock.now,
                                                                                      run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()


def shared_life(project, sessions, clock) -> Shared:
    """A storyteller with a story in two versions with a photo, published and read by an admin, and a second story
    published and then withdrawn (so taken down); a volunteer's post."""
    people = make_people(sessions)
    [photo] = store_new(project.config.media_dir, [NewImage(phone_photo(), "bench.jpg", alt=BENCH_ALT,
                                                            people=PEOPLE_NONE)])
    with transaction(sessions) as session:
        author = session.get(User, people["storyteller"])
        story = submit(session, project.config, author, draft_of("Frozen river", FIRST, [photo]), now=clock.now)
        edit(session, project.config, story, None, draft_of("Frozen river", SECOND), now=clock.now)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, PEOPLE["admin"], now=clock.now)
        session.add(StoryView(story_id=story.id, viewer_id=people["admin"], at=clock.now, what="read"))
        other = submit(session, project.config, author, draft_of("Winter", GONE), now=clock.now)
        sign_off(session, project.config, other)
        approve_story(session, project.config, other.id, PEOPLE["admin"], now=clock.now)
        create_post(session, project.config, Draft(text=POST_TEXT, accounts=["outbox"]),
                    created_by=PEOPLE["volunteer"], now=clock.now)
        kept, withdrawn = story.id, other.id
    _publish_now(project, sessions, clock)
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, withdrawn), None, clock.now + timedelta(minutes=1),
                 media_dir=project.config.media_dir)
    clock.now += timedelta(minutes=2)
    Worker(project.config, sessions, clock).run_due()  # takes the withdrawn story down
    return Shared(people, kept, withdrawn, photo.digest)


def archive_of(project, sessions, user_id, clock) -> zipfile.ZipFile:
    with sessions() as session:
        data = data_export.archive_bytes(session, project.config, session.get(User, user_id), clock.now)
    return zipfile.ZipFile(io.BytesIO(data))


def read(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(name).decode("utf-8"))


def test_a_storytellers_archive_holds_their_account_stories_versions_photos_publishing_and_views(
        project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    archive = archive_of(project, sessions, shared.people["storyteller"], clock)
    assert set(archive.namelist()) == {"README.txt", "account.json", "email-settings.json", "emails.json",
                                       "stories.json", "publishing.json", "story-views.json", "posts.json",
                                       "log.json", f"photos/{shared.digest}.jpg"}
    account = read(archive, "account.json")
    assert (account["email"], account["role"], account["display_name"]) == (PEOPLE["storyteller"], "storyteller",
                                                                             "sam")
    stories = {s["id"]: s for s in read(archive, "stories.json")}
    kept = stories[shared.kept]
    assert [(v["version"], v["text"]) for v in kept["versions"]] == [(1, FIRST), (2, SECOND)]
    assert kept["consent"] == {"naming": "pseudonym", "shown_name": "River", "networks": ["outbox"],
                               "until": "2099-01-01"}
    assert kept["signed_off"]["version"] == 2
    assert kept["photos"] == [{"file": f"photos/{shared.digest}.jpg", "alt_text": BENCH_ALT, "decorative": False,
                               "people": "no identifiable people", "width": 640, "height": 480,
                               "added_at": kept["photos"][0]["added_at"]}]
    photo = archive.read(f"photos/{shared.digest}.jpg")
    assert photo[:2] == b"\xff\xd8" and (project.config.media_dir / f"{shared.digest}.jpg").read_bytes() == photo


def test_the_archive_says_where_each_story_went_out_and_that_the_withdrawn_one_was_taken_down(
        project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    archive = archive_of(project, sessions, shared.people["storyteller"], clock)
    published = {p["story_id"]: p["accounts"] for p in read(archive, "publishing.json")}
    [out] = published[shared.kept]
    assert (out["account"], out["status"], out["taken_down"]) == ("outbox", "published", None)
    assert out["parts"][0]["link"] and out["parts"][0]["published_at"] and out["parts"][0]["deleted_at"] is None
    [down] = published[shared.withdrawn]
    assert down["taken_down"] == "deleted" and down["parts"][0]["deleted_at"]
    withdrawn = {s["id"]: s for s in read(archive, "stories.json")}[shared.withdrawn]
    assert withdrawn["status"] == "withdrawn" and withdrawn["text"] == ""
    assert [v["text"] for v in withdrawn["versions"]] == [GONE]  # kept for them until the purge


def test_the_archive_carries_who_read_each_story_and_the_log_lines_about_them_by_user_id(project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    archive = archive_of(project, sessions, shared.people["storyteller"], clock)
    views = {v["story_id"]: v["seen"] for v in read(archive, "story-views.json")}
    assert [(s["who"], s["role"], s["what"]) for s in views[shared.kept]] == [("ada", "admin", "read")]
    assert views[shared.withdrawn] == []
    log = read(archive, "log.json")
    ref = logbook.user_ref(shared.people["storyteller"])
    events = [e["event"] for e in log]
    assert events.count("story_submitted") == 2 and "story_withdrawn" in events and "deleted" in events
    assert {e["actor"] for e in log if e["event"] == "story_submitted"} == {ref}
    assert {e["actor_name"] for e in log if e["event"] == "story_submitted"} == {"sam"}
    admin = logbook.user_ref(shared.people["admin"])
    assert {e["actor"] for e in log} <= {ref, admin, None}  # not the volunteer's post, nor anyone else's lines
    assert read(archive, "posts.json") == []  # a storyteller's stories are not "posts they wrote"
    readme = archive.read("README.txt").decode("utf-8")
    assert "stories.json" in readme and ref in readme and "Test Recovery Community" in readme


def test_a_volunteers_archive_holds_the_posts_they_wrote_and_nothing_of_anyone_elses_stories(
        project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    archive = archive_of(project, sessions, shared.people["volunteer"], clock)
    assert read(archive, "stories.json") == [] and read(archive, "publishing.json") == []
    [post] = read(archive, "posts.json")
    assert post["text"] == POST_TEXT and post["status"] == "pending" and post["accounts"][0]["account"] == "outbox"
    log = read(archive, "log.json")
    assert [e["event"] for e in log] == ["queued"]
    assert log[0]["actor"] == logbook.user_ref(shared.people["volunteer"])  # the log named them by id, not email
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for words in (FIRST, SECOND, GONE, BENCH_ALT, PEOPLE["storyteller"]):
        assert words.encode() not in everything


def test_an_archive_too_large_to_build_in_memory_is_refused_before_any_work(project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    big = project.config.media_dir / f"{shared.digest}.jpg"
    with big.open("ab") as grown:  # a photo file grown past the web's limit (the archive would copy all of it)
        grown.truncate(data_export.MAX_DOWNLOAD_BYTES + 1)
    with sessions() as session:
        user = session.get(User, shared.people["storyteller"])
        with pytest.raises(data_export.ExportTooLarge, match="too large to download here"):
            data_export.archive_bytes(session, project.config, user, clock.now)


def test_the_your_data_page_downloads_the_archive_as_an_attachment_only_by_a_post_with_its_token(
        project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    page = client.get("/account/data").get_data(as_text=True)
    assert "Download my data" in page and 'href="/account/data"' in page  # linked from every page's menu
    assert client.post("/account/data", data={}).status_code == 400  # no CSRF token, no data
    answer = client.post("/account/data", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=my-data-")
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert read(archive, "account.json")["id"] == shared.people["storyteller"]


def test_a_storyteller_gets_the_words_of_their_emails_but_staff_only_what_kind_and_when(project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    told = read(archive_of(project, sessions, shared.people["storyteller"], clock), "emails.json")
    assert {"story_approved", "story_published"} <= {e["kind"] for e in told}
    assert all("text" in e for e in told) and any(e["text"] and "Frozen river" in e["text"] for e in told)
    staff = read(archive_of(project, sessions, shared.people["admin"], clock), "emails.json")
    assert {e["kind"] for e in staff} == {"review_waiting"}
    assert all("text" not in e and "subject" not in e for e in staff)  # they quote other people's stories
