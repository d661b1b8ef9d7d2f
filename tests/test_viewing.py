"""Who has seen my story: every reading and decision by someone other than its storyteller is recorded, once per
reading (a refresh is not another); admins read the record, the storyteller a plain summary."""

from datetime import date, timedelta

from sqlalchemy import func, select, update

from recovery_voice import viewing
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Story, StoryView, User, utcnow
from recovery_voice.stories import StoryDraft, approve_story, sign_off, submit, withdraw
from recovery_voice.worker import Worker
from web_fixtures import csrf_from, make_app, make_people, sign_in

TEXT = "The café gave me a place to belong, and a reason to come back each Tuesday."


def share(sessions, config, ids) -> int:
    """The storyteller submits a story; return its id."""
    with transaction(sessions) as session:
        draft = StoryDraft("A place to belong", TEXT, "pseudonym", "River", ["outbox"], date(2099, 1, 1))
        return submit(session, config, session.get(User, ids["storyteller"]), draft).id


def record(sessions, story_id) -> list[tuple[int, str]]:
    """The story's record as (viewer id, what), oldest first."""
    with sessions() as session:
        return list(session.execute(select(StoryView.viewer_id, StoryView.what).where(StoryView.story_id == story_id)
                                    .order_by(StoryView.id)))


def test_an_admin_reading_a_story_is_recorded_once_and_a_refresh_is_not_another_reading(project, sessions):
    ids = make_people(sessions)
    story_id = share(sessions, project.config, ids)
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    for _ in range(3):
        assert admin.get(f"/review/stories/{story_id}").status_code == 200
    assert record(sessions, story_id) == [(ids["admin"], "read")]
    with transaction(sessions) as session:  # a reading after the few minutes is another one
        later = utcnow() + viewing.READ_AGAIN_AFTER + timedelta(seconds=1)
        assert viewing.record(session, story_id, ids["admin"], viewing.READ, later)
    assert record(sessions, story_id) == [(ids["admin"], "read")] * 2


def test_the_storyteller_reading_their_own_story_is_not_recorded(project, sessions):
    ids = make_people(sessions)
    story_id = share(sessions, project.config, ids)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    for path in ("", "/final-text", "/support"):
        assert teller.get(f"/stories/{story_id}{path}").status_code == 200
    with transaction(sessions) as session:
        assert not viewing.record(session, story_id, ids["storyteller"], viewing.READ)
        assert not viewing.record(session, story_id + 1, ids["admin"], viewing.READ)  # no such story
    assert record(sessions, story_id) == []


def test_sending_a_story_back_and_approving_it_are_recorded_with_who_did_it(project, sessions):
    ids = make_people(sessions)
    story_id = share(sessions, project.config, ids)
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    token = csrf_from(admin.get(f"/review/stories/{story_id}").get_data(as_text=True))
    admin.post(f"/review/stories/{story_id}/reject", data={"csrf_token": token, "version": "1",
                                                           "reason": "Could you leave out the café's name?"})
    assert record(sessions, story_id) == [(ids["admin"], "read"), (ids["admin"], "sent back")]
    other = share(sessions, project.config, ids)
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, other))
    admin.get(f"/review/stories/{other}")
    answer = admin.post(f"/review/stories/{other}/approve", data={"csrf_token": token, "version": "1"})
    assert answer.status_code == 302
    assert record(sessions, other) == [(ids["admin"], "read"), (ids["admin"], "approved")]


def test_a_refused_decision_is_not_recorded_as_one(project, sessions):
    ids = make_people(sessions)
    story_id = share(sessions, project.config, ids)
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    token = csrf_from(admin.get(f"/review/stories/{story_id}").get_data(as_text=True))
    refused = admin.post(f"/review/stories/{story_id}/approve", data={"csrf_token": token, "version": "1"})
    assert refused.status_code == 422  # not signed off yet
    assert record(sessions, story_id) == [(ids["admin"], "read")]


def approved_and_out(project, sessions, ids) -> Story:
    """A story approved and published to the outbox; return it."""
    story_id = share(sessions, project.config, ids)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org")
        session.execute(update(Delivery).values(due_at=utcnow(), run_at=utcnow()))
    Worker(project.config, sessions).run_due()
    with sessions() as session:
        return session.get(Story, story_id)


def test_a_volunteer_reading_the_post_made_from_a_story_is_recorded_and_one_whose_words_were_erased_is_not(
        project, sessions):
    ids = make_people(sessions)
    story = approved_and_out(project, sessions, ids)
    volunteer = sign_in(make_app(project, sessions).test_client(), "volunteer")
    assert TEXT in volunteer.get(f"/posts/{story.post_id}").get_data(as_text=True)
    volunteer.get(f"/posts/{story.post_id}")
    assert record(sessions, story.id) == [(ids["volunteer"], "read")]
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, story.id), media_dir=project.config.media_dir)
        session.execute(update(StoryView).values(at=utcnow() - viewing.READ_AGAIN_AFTER * 2))
    assert TEXT not in volunteer.get(f"/posts/{story.post_id}").get_data(as_text=True)
    assert record(sessions, story.id) == [(ids["volunteer"], "read")]


def test_the_storyteller_sees_a_plain_summary_of_who_has_seen_their_story(project, sessions):
    ids = make_people(sessions)
    story = approved_and_out(project, sessions, ids)
    app = make_app(project, sessions)
    teller = sign_in(app.test_client(), "storyteller")
    assert "Nobody at Test Recovery Community has read your story yet." in \
        teller.get(f"/stories/{story.id}").get_data(as_text=True)
    sign_in(app.test_client(), "admin").get(f"/review/stories/{story.id}")
    sign_in(app.test_client(), "volunteer").get(f"/posts/{story.post_id}")
    sign_in(app.test_client(), "admin").get(f"/review/stories/{story.id}")  # the same person again
    page = teller.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Seen by 2 people at Test Recovery Community: ada (admin), val (volunteer)." in page


def test_admins_read_the_whole_record_on_the_review_page_and_nobody_else_can(project, sessions):
    ids = make_people(sessions)
    story_id = share(sessions, project.config, ids)
    app = make_app(project, sessions)
    admin = sign_in(app.test_client(), "admin")
    token = csrf_from(admin.get(f"/review/stories/{story_id}").get_data(as_text=True))
    admin.post(f"/review/stories/{story_id}/reject", data={"csrf_token": token, "version": "1",
                                                           "reason": "Could you leave out the café's name?"})
    page = admin.get(f"/review/stories/{story_id}").get_data(as_text=True)
    table = page[page.index("Who has seen this story"):]
    assert table.count("ada (admin)") == 2 and "Sent back" in table and "Read" in table
    for who in ("volunteer", "other_storyteller"):
        assert sign_in(app.test_client(), who).get(f"/review/stories/{story_id}").status_code in (403, 404)
    with sessions() as session:
        assert session.scalar(select(func.count(StoryView.id))) == 2


def test_listing_posts_on_the_command_line_records_a_reading_of_each_storys_post_by_the_person_named(
        project, sessions):
    ids = make_people(sessions)
    story = approved_and_out(project, sessions, ids)
    listed = project.cli("posts", "list", "--format", "json", env={"RECOVERY_VOICE_USER": "Val@example.org"},
                         check=True)
    assert TEXT in listed.stdout
    project.cli("posts", "list", env={"RECOVERY_VOICE_USER": "someone-else@example.org"}, check=True)
    assert record(sessions, story.id) == [(ids["volunteer"], "read")]  # nobody here is someone-else
