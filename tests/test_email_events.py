"""Who is told what: each event queues its email with it, the worker sends it to a real SMTP server, and its
link opens the right page for the person it was sent to."""

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from recovery_voice import emails
from recovery_voice.db import transaction
from recovery_voice.models import Email, Post, User
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve, reject
from recovery_voice.stories import StoryDraft, approve_story, reject_story, sign_off, submit, withdraw
from recovery_voice.worker import Worker

from conftest import sqlite_only
from web_fixtures import PEOPLE, csrf_from, make_app, make_people, sign_in

pytestmark = sqlite_only
LINK = re.compile(r"http://rv\.test(/\S*)")


@pytest.fixture
def world(mailing):
    """A project sending email through the loopback server, one person per role, and its web app."""
    project, sessions, ids = mailing
    return project, sessions, ids, make_app(project, sessions)


def deliver(project, sessions, smtp, count: int):
    """Run a worker round (publishing, deleting, then email) and return the emails received so far."""
    Worker(project.config, sessions).run_due()
    return smtp.wait_for(count)


def to(received, who: str):
    """The emails one of PEOPLE received."""
    return [r for r in received if r.recipients == [PEOPLE[who]]]


def opens(app, who: str, text: str, expect: str) -> None:
    """Follow the first link of an email as the person it was for, and check the page says `expect`."""
    path = LINK.search(text).group(1)
    page = sign_in(app.test_client(), who).get(path)
    assert page.status_code == 200, (path, page.status_code)
    assert expect in page.get_data(as_text=True)


def story_draft(**changes) -> StoryDraft:
    """A storyteller's story for the outbox account."""
    values = dict(title="My first year", text="The café gave me a place to belong.", naming="pseudonym",
                  shown_name="River", networks=["outbox"], consent_until=date(2099, 1, 1))
    return StoryDraft(**{**values, **changes})


def test_an_invitation_is_emailed_with_a_link_that_opens_the_welcome_page(world, smtp):
    project, sessions, _, app = world
    admin = sign_in(app.test_client(), "admin")
    token = csrf_from(admin.get("/users").get_data(as_text=True))
    answer = admin.post("/users/invite", data={"email": "new@example.org", "role": "volunteer", "csrf_token": token})
    assert "emailed to them" in answer.get_data(as_text=True)
    [got] = deliver(project, sessions, smtp, 1)
    assert got.recipients == ["new@example.org"]
    assert got.message["Subject"] == "You are invited to join Test Recovery Community on recovery-voice"
    assert "ada has invited you" in got.text and "as a volunteer" in got.text
    assert "invited this address" in got.text and "/account/email" not in got.text  # no settings to change yet
    path = LINK.search(got.text).group(1)
    assert path.startswith("/invite/")
    assert "Welcome to recovery-voice" in app.test_client().get(path).get_data(as_text=True)


def test_a_new_story_tells_the_admins_and_sending_it_back_tells_its_storyteller_with_the_note(world, smtp):
    project, sessions, ids, app = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
    [waiting] = deliver(project, sessions, smtp, 1)
    assert waiting.recipients == [PEOPLE["admin"]]
    assert waiting.message["Subject"] == "A story is waiting for review"
    assert "because you are an admin" in waiting.text
    opens(app, "admin", waiting.text, "My first year")
    with transaction(sessions) as session:
        reject_story(session, story.id, "user 4", "Could you leave out the name of the café, please?")
    received = deliver(project, sessions, smtp, 2)
    [back] = to(received, "storyteller")
    assert back.message["Subject"] == 'Your story "My first year" has a note from the team'
    assert "Could you leave out the name of the café, please?" in back.text
    assert "because you shared a story" in back.text and "http://rv.test/account/email" in back.text
    opens(app, "storyteller", back.text, "My first year")


def test_a_storyteller_hears_when_and_where_their_story_goes_out_then_its_links_then_that_it_is_taken_down(
        world, smtp):
    project, sessions, ids, app = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        sign_off(session, project.config, story)
        story = approve_story(session, project.config, story.id, "user 4")
        due = session.get(Post, story.post_id).deliveries[0].due_at  # what the approval email says
        for delivery in session.get(Post, story.post_id).deliveries:  # moved to now, so the worker publishes it
            delivery.due_at = delivery.run_at = datetime.now(timezone.utc)
    received = deliver(project, sessions, smtp, 2)
    approved, published = to(received, "storyteller")
    assert approved.message["Subject"] == 'Your story "My first year" is approved'
    assert f"It goes out {due.astimezone(project.config.timezone):%a %-d %b %Y, %H:%M %Z} on outbox." in approved.text
    opens(app, "storyteller", approved.text, "My first year")
    assert published.message["Subject"] == 'Your story "My first year" is published'
    assert project.outbox.as_uri() in published.text
    assert [r.message["Subject"] for r in to(received, "admin")] == []  # its post was approved with it
    with transaction(sessions) as session:
        withdraw(session, session.get(type(story), story.id), media_dir=project.config.media_dir)
    received = deliver(project, sessions, smtp, 3)
    [down] = [r for r in to(received, "storyteller") if "taken down" in r.message["Subject"]]
    assert "has been taken down from outbox" in down.text


def test_a_volunteer_hears_when_their_post_is_sent_back_and_the_link_opens_it(world, smtp):
    project, sessions, _, app = world
    with transaction(sessions) as session:
        post = create_post(session, project.config, Draft(text="Our café is open on Fridays: come as you are."),
                           created_by=PEOPLE["volunteer"])
    with transaction(sessions) as session:
        reject(session, [post.id], "user 4", "Please add the opening hours.")
    received = deliver(project, sessions, smtp, 1)
    [back] = to(received, "volunteer")
    assert back.message["Subject"] == "Your post was sent back with a note"
    assert "Our café is open on Fridays" in back.text and "Please add the opening hours." in back.text
    assert "because you wrote this post" in back.text
    opens(app, "volunteer", back.text, "Our café is open on Fridays")
    assert to(received, "admin") == []  # the review email was dropped: the post was dealt with before it went


def test_a_failed_post_tells_its_volunteer_and_a_held_account_tells_the_admins_once(project, smtp):
    accounts = ('[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "RV_NOT_SET_1"\n'
                'consumer_secret_env = "RV_NOT_SET_2"\naccess_token_env = "RV_NOT_SET_3"\n'
                'access_token_secret_env = "RV_NOT_SET_4"\n'
                f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.root}"\n')
    # One attempt only, so the outbox that cannot write (its path is a folder) gives up at once.
    project.write_config(smtp.config(timeout_seconds=2) + "[worker]\nmax_attempts = 1\n", accounts=accounts)
    sessions = project.init_db()
    make_people(sessions)
    with transaction(sessions) as session:
        posts = [create_post(session, project.config, Draft(text=f"Post number {n} about our café."),
                             created_by=PEOPLE["volunteer"]) for n in (1, 2)]
        approve(session, project.config, [p.id for p in posts], "user 4")
        for post in posts:
            for delivery in post.deliveries:  # due now, so the worker tries them
                delivery.due_at = delivery.run_at = datetime.now(timezone.utc)
    received = deliver(project, sessions, smtp, 4)
    held = [r for r in to(received, "admin") if "needs attention" in r.message["Subject"]]
    assert [r.message["Subject"] for r in held] == ["The account x-main needs attention"]
    assert "RV_NOT_SET_1" in held[0].text
    failed = [r for r in to(received, "volunteer") if "could not be published" in r.message["Subject"]]
    assert len(failed) == 2 and all(r.message["Subject"] == "A post could not be published to outbox" for r in failed)
    assert "Post number 1 about our café" in failed[0].text and "Is a directory" in failed[0].text
    assert LINK.search(failed[0].text).group(1) == f"/posts/{posts[0].id}"


def test_a_person_who_chose_a_daily_summary_gets_one_email_for_several_events_from_eight(world, smtp, clock):
    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        emails.save_choices(session, ids["admin"], emails.Choices("digest"))
        emails.save_choices(session, ids["volunteer"], emails.Choices("off"))
    clock.now = datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc)  # 07:00 in London
    with transaction(sessions) as session:
        for account in ("x-main", "mastodon-main"):
            emails.account_needs_attention(session, account, "the token was refused", now=clock.now)
        emails.post_failed(session, create_post(session, project.config, Draft(text="A post about our café."),
                                                created_by=PEOPLE["volunteer"]).id, "outbox", "refused", clock.now)
    worker = Worker(project.config, sessions, clock)
    worker.run_due()
    assert smtp.received == []
    clock.now = datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)
    worker.run_due()
    worker.run_due()  # a second round the same day makes no second summary
    [summary] = smtp.wait_for(1)
    assert summary.recipients == [PEOPLE["admin"]]
    assert summary.message["Subject"] == "Your daily summary from Test Recovery Community: 3 things"
    assert "x-main needs attention" in summary.text and "mastodon-main needs attention" in summary.text
    assert "A post is waiting for approval" in summary.text
    assert "you chose a daily summary" in summary.text
    with sessions() as session:
        assert session.scalar(select(Email).where(Email.kind == "post_failed")) is None  # the volunteer chose none


def test_a_post_whose_outcome_is_unknown_tells_the_admins_to_check_the_account(project, smtp, clock, monkeypatch):
    from test_worker import schedule
    from test_x_publisher import CREDENTIALS, X_ACCOUNT
    from xapi import XApiServer

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)  # the X account's secrets, read from the environment as in production
    with XApiServer("consumer-key", "consumer-secret", "access-token", "access-token-secret",
                    username="ourcommunity") as x_api:
        project.write_config(smtp.config(timeout_seconds=2) + "[worker]\nrequest_timeout_seconds = 1\n",
                             accounts=X_ACCOUNT.format(x_api.base_url))
        sessions = project.init_db()
        make_people(sessions)
        [post_id] = schedule(project, sessions, 1, clock.now)
        x_api.fail_next("timeout", seconds=2)  # X made the post but the answer never came
        Worker(project.config, sessions, clock).run_due()
        x_api.wait_idle()
        Worker(project.config, sessions, clock).run_due()
    [check] = [r for r in to(smtp.wait_for(1), "admin") if "needs checking" in r.message["Subject"]]
    assert check.message["Subject"] == "A post needs checking on x"
    assert "Day 0: our café is open" in check.text and "may or may not have gone out" in check.text
    assert LINK.search(check.text).group(1) == f"/posts/{post_id}"
    opens(make_app(project, sessions), "admin", check.text, "Day 0: our café is open")


def test_emails_held_for_a_summary_are_not_sent_once_their_person_chooses_none(world, smtp, clock):
    project, sessions, ids, _ = world
    clock.now = datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        emails.save_choices(session, ids["admin"], emails.Choices("digest"))
        emails.account_needs_attention(session, "x-main", "the token was refused", now=clock.now)
    with transaction(sessions) as session:
        emails.save_choices(session, ids["admin"], emails.Choices("off"))
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
    Worker(project.config, sessions, clock).run_due()
    assert smtp.received == []
    with sessions() as session:
        assert [e.status for e in session.scalars(select(Email))] == ["skipped"]


def test_a_daily_summary_leaves_out_reviews_already_done_and_is_not_sent_when_nothing_is_left(world, smtp, clock):
    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        emails.save_choices(session, ids["admin"], emails.Choices("digest"))
    clock.now = datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft(), now=clock.now)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "user 4", now=clock.now)  # its post is approved with it
    clock.now = datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)
    Worker(project.config, sessions, clock).run_due()
    received = smtp.wait_for(1)
    assert [r.message["Subject"] for r in to(received, "storyteller")] == ['Your story "My first year" is approved']
    assert to(received, "admin") == []  # the story and its post waited for nobody by 8:00: no summary at all
    with transaction(sessions) as session:
        emails.account_needs_attention(session, "x-main", "the token was refused", now=clock.now)
        create_post(session, project.config, Draft(text="A post about our café."), created_by=PEOPLE["volunteer"],
                    now=clock.now)
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)  # the same day: 8:00 had nothing to tell
    Worker(project.config, sessions, clock).run_due()
    [summary] = to(smtp.received, "admin")
    assert summary.message["Subject"] == "Your daily summary from Test Recovery Community: 2 things"
    assert "A story is waiting" not in summary.text and "x-main needs attention" in summary.text


def test_a_storyteller_is_told_once_when_a_stalled_worker_finishes_a_take_down_another_already_did(world, smtp):
    from datetime import timedelta

    from recovery_voice import deletion

    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        sign_off(session, project.config, story)
        story = approve_story(session, project.config, story.id, "user 4")
        for delivery in session.get(Post, story.post_id).deliveries:
            delivery.due_at = delivery.run_at = datetime.now(timezone.utc)
    deliver(project, sessions, smtp, 2)  # approved, then published
    with transaction(sessions) as session:
        withdraw(session, session.get(type(story), story.id), media_dir=project.config.media_dir)
    with transaction(sessions) as session:
        [stalled] = deletion.claim(session, "stalled-worker", datetime.now(timezone.utc), 10)
    with transaction(sessions) as session:  # its lease passes, so another worker takes the deletion on
        deletion.stale(session, datetime.now(timezone.utc) + timedelta(hours=1), timedelta(minutes=5))
    deliver(project, sessions, smtp, 3)
    with transaction(sessions) as session:
        deletion.finish(session, stalled, datetime.now(timezone.utc))  # the stalled worker wakes and finishes
    Worker(project.config, sessions).run_due()  # sends synchronously: whatever was queued has arrived
    assert [r.message["Subject"] for r in to(smtp.received, "storyteller")].count(
        'Your story "My first year" has been taken down') == 1


def test_admins_are_told_a_story_waits_when_it_begins_to_wait_not_at_each_change_while_it_waits(world):
    from recovery_voice.stories import edit

    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        edit(session, project.config, story, None, story_draft(title="My first year, again"))
        edit(session, project.config, story, None, story_draft(title="My first year, once more"))
        reject_story(session, story.id, "user 4", "Could you leave out the name of the café, please?")
        edit(session, project.config, story, None, story_draft(title="My first year, without the café"))
    with sessions() as session:
        told = [e.facts["excerpt"] for e in session.scalars(select(Email).where(Email.kind == "review_waiting")
                                                            .order_by(Email.id))]
    assert told == ["My first year", "My first year, without the café"]  # one admin: on submitting, on coming back


def approved_story_out_now(project, sessions, ids):
    """A storyteller's story approved and published by the worker; return it."""
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        sign_off(session, project.config, story)
        story = approve_story(session, project.config, story.id, "user 4")
        for delivery in session.get(Post, story.post_id).deliveries:
            delivery.due_at = delivery.run_at = datetime.now(timezone.utc)
    Worker(project.config, sessions).run_due()
    return story


def published_emails(sessions) -> int:
    """How many 'your story is published' emails were queued."""
    with sessions() as session:
        return len(session.scalars(select(Email.id).where(Email.kind == "story_published")).all())


def test_a_storyteller_hears_their_story_is_out_when_an_admin_settles_a_send_whose_answer_was_lost(world):
    from recovery_voice.settle import find_delivery, mark_out
    from test_settle import lose_the_answer

    project, sessions, ids, _ = world
    story = approved_story_out_now(project, sessions, ids)
    assert published_emails(sessions) == 1
    lose_the_answer(sessions, story.post_id)  # as if the worker never heard back: it needs checking
    [line] = project.outbox_lines()
    link = f"{project.config.account('outbox').path.as_uri()}#{line['key']}"
    with transaction(sessions) as session:
        mark_out(session, project.config, find_delivery(session, story.post_id, None), [link], "user 4")
    assert published_emails(sessions) == 2


def test_a_storyteller_who_withdrew_is_not_told_a_send_under_way_then_is_out(world):
    from recovery_voice.posts import refresh_status
    from recovery_voice.models import Delivery

    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        sign_off(session, project.config, story)
        story = approve_story(session, project.config, story.id, "user 4")
        for delivery in session.get(Post, story.post_id).deliveries:
            delivery.status = "publishing"  # a worker is sending it as the storyteller withdraws
    with transaction(sessions) as session:
        withdraw(session, session.get(type(story), story.id), media_dir=project.config.media_dir)
    with transaction(sessions) as session:  # the send completes, as dispatch.mark_published records it
        session.execute(Delivery.__table__.update().where(Delivery.post_id == story.post_id)
                        .values(status="published"))
        refresh_status(session, story.post_id)
        emails.post_published(session, story.post_id)
    assert published_emails(sessions) == 0


def emails_about(sessions, story) -> list[str]:
    """The kinds of the outbox's emails that name a story's page or its post's page."""
    with sessions() as session:
        rows = session.scalars(select(Email)).all()
        return [e.kind for e in rows if e.facts.get("path") in (f"/stories/{story.id}", f"/review/stories/{story.id}",
                                                                  f"/posts/{story.post_id}")]


def test_withdrawing_a_story_deletes_the_emails_that_quote_it_sent_or_waiting(world, smtp):
    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft())
        reject_story(session, story.id, "user 4", "Could you leave out the name of the café, please?")
    deliver(project, sessions, smtp, 2)  # sent: the admins' "waiting" and the storyteller's note
    with transaction(sessions) as session:
        other = submit(session, project.config, session.get(User, ids["storyteller"]), story_draft(title="Another"))
        withdraw(session, session.get(type(story), story.id), media_dir=project.config.media_dir)
    assert emails_about(sessions, story) == []
    assert emails_about(sessions, other) == ["review_waiting"]  # another story's email is left alone
    with sessions() as session:
        assert "café" not in " ".join(str(e.facts) + (e.body_text or "") for e in session.scalars(select(Email)))


def test_someone_whose_access_was_ended_is_sent_no_more_emails(world):
    from recovery_voice.users import deactivate

    project, sessions, ids, _ = world
    with transaction(sessions) as session:
        deactivate(session, ids["volunteer"], session.get(User, ids["admin"]))
        post = create_post(session, project.config, Draft(text="Our café opens on Friday."),
                           created_by=f"user {ids['volunteer']}")
        reject(session, [post.id], "user 4", "Please add the time.")
    with sessions() as session:
        assert session.scalars(select(Email.kind).where(Email.user_id == ids["volunteer"])).all() == []
