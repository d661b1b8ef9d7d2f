"""Taking published posts down: withdrawal, cancellation, the end of consent, and networks that refuse or limit it."""

from datetime import date, timedelta

from sqlalchemy import select, update

from recovery_voice import logbook
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Story, User
from recovery_voice.posts import cancel, list_posts
from recovery_voice.stories import StoryDraft, approve_story, sign_off, submit, withdraw
from recovery_voice.worker import Worker

from test_x_publisher import STORY, delivery, queue_text, x_api, x_project  # noqa: F401 (fixtures)
from web_fixtures import make_people


def share_story(project, sessions, clock, consent_until=date(2099, 1, 1)):
    """Submit and approve a story, then publish it to the outbox; return the story id."""
    author = make_people(sessions)["storyteller"]
    draft = StoryDraft(title="My story", text="Recovery gave me my family back.", naming="pseudonym",
                       shown_name="River", networks=["outbox"], consent_until=consent_until)
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), draft)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org")
        story_id = story.id
        session.execute(update(Delivery).values(due_at=clock.now, run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()
    assert len(project.outbox_lines()) == 1
    return story_id


def events(sessions):
    with sessions() as session:
        return [e.event for e in logbook.entries(session)]


def test_withdrawing_a_published_story_deletes_it_and_logs_the_deletion(project, sessions, clock):
    story_id = share_story(project, sessions, clock)
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, story_id), "river@example.org", now=clock.now, media_dir=project.config.media_dir)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        deleted = session.scalar(select(LogEntry).where(LogEntry.event == "deleted"))
        assert deleted.remote_id and "withdrawn by its storyteller" in deleted.reason
        assert session.scalar(select(Delivery.deletion)) == "deleted"
        [listed] = list_posts(session)
        assert listed["deliveries"][0]["deletion"] == "deleted"  # posts list --format json says so too


def test_a_story_whose_consent_has_ended_is_taken_down_by_the_worker(project, sessions, clock):
    story_id = share_story(project, sessions, clock)
    with transaction(sessions) as session:
        session.get(Story, story_id).consent_until = (clock.now - timedelta(days=2)).date()
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        requested = session.scalar(select(LogEntry).where(LogEntry.event == "deletion_requested"))
        assert "consent ended" in requested.reason
    Worker(project.config, sessions, clock).run_due()
    assert events(sessions).count("deleted") == 1  # asked for once, not again on every round


def test_cancelling_a_post_that_has_not_gone_out_deletes_nothing(project, sessions, clock):
    from test_worker import schedule

    [post_id] = schedule(project, sessions, 1, clock.now + timedelta(hours=1))
    with transaction(sessions) as session:
        cancel(session, [post_id], actor="ada@example.org", now=clock.now)
    assert "deletion_requested" not in events(sessions)


def test_a_deletion_the_network_refuses_is_logged_with_the_links_to_remove_by_hand(x_project, x_api, clock):
    post_id = queue_text(x_project, clock, "Our café is open today.")
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    x_api.fail_next("400", method="DELETE", path_prefix="/2/tweets/")
    with transaction(x_project.sessions) as session:
        cancel(session, [post_id], actor="ada@example.org", now=clock.now)
    worker.run_due()
    found = delivery(x_project.sessions)
    assert found.deletion == "failed"
    with x_project.sessions() as session:
        failed = session.scalar(select(LogEntry).where(LogEntry.event == "delete_failed"))
    assert "Delete it by hand: https://x.com/i/web/status/" in failed.error and len(x_api.tweets) == 1


def test_a_rate_limited_deletion_waits_for_the_reset_and_then_finishes(x_project, x_api, clock):
    post_id = queue_text(x_project, clock, STORY)
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    parts = len(x_api.tweets)
    x_api.fail_next("429", method="DELETE", path_prefix="/2/tweets/", reset_in=600)
    with transaction(x_project.sessions) as session:
        cancel(session, [post_id], actor="ada@example.org", now=clock.now)
    worker.run_due()
    deletes = [r for r in x_api.requests if r.method == "DELETE"]
    assert len(deletes) == 1 and len(x_api.tweets) == parts  # nothing more was tried while X said to wait
    clock.now += timedelta(minutes=11)
    worker.run_due()
    assert x_api.tweets == {} and delivery(x_project.sessions).deletion == "deleted"


def test_a_thread_cancelled_while_waiting_between_parts_stops_and_its_parts_are_deleted(project, sessions, clock):
    from recovery_voice import dispatch
    from recovery_voice.publishers import Part

    from test_worker import schedule

    [post_id] = schedule(project, sessions, 1, clock.now)
    publisher = Worker(project.config, sessions, clock).publisher("outbox")
    with transaction(sessions) as session:
        [claimed] = dispatch.claim_due(session, "w", clock.now, 1)
        claimed = dispatch.start_attempt(session, claimed, "w", clock.now)
        published = publisher.publish(Part(claimed.outgoing, 1, 2, "first half"))
        dispatch.record_part(session, claimed, 1, 2, published, clock.now)
        dispatch.continue_later(session, claimed, clock.now)  # e.g. waiting for a rate limit to reset
    with transaction(sessions) as session:
        cancel(session, [post_id], actor="ada@example.org", now=clock.now)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        assert session.scalar(select(Delivery.status)) == "cancelled"
        assert session.scalar(select(Delivery.deletion)) == "deleted"


def test_a_storyteller_sees_their_withdrawn_story_removed_and_the_admin_sees_the_deletion(project, sessions, clock):
    from web_fixtures import csrf_from, make_app, sign_in

    story_id = share_story(project, sessions, clock)
    app = make_app(project, sessions)
    storyteller = sign_in(app.test_client(), "storyteller")
    page = storyteller.get(f"/stories/{story_id}").get_data(as_text=True)
    answer = storyteller.post(f"/stories/{story_id}/withdraw",
                              data={"csrf_token": csrf_from(page), "confirm": "yes"})
    assert answer.status_code == 302
    assert "being removed from the networks" in storyteller.get(f"/stories/{story_id}").get_data(as_text=True)
    clock.now += timedelta(minutes=1)  # the request was made on the real clock, after the test's frozen one
    Worker(project.config, sessions, clock).run_due()
    assert "Withdrawn and removed from the networks" in storyteller.get(f"/stories/{story_id}").get_data(as_text=True)
    with sessions() as session:
        post_id = session.get(Story, story_id).post_id
    admin = sign_in(app.test_client(), "admin")
    assert "Deleted from the network." in admin.get(f"/posts/{post_id}").get_data(as_text=True)


def test_an_admin_can_take_a_published_post_down_from_its_page(project, sessions, clock):
    from web_fixtures import csrf_from, make_app, sign_in

    story_id = share_story(project, sessions, clock)
    with sessions() as session:
        post_id = session.get(Story, story_id).post_id
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    page = admin.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Delete it from the networks" in page
    admin.post(f"/posts/{post_id}/cancel", data={"csrf_token": csrf_from(page)})
    assert "Being deleted from the network." in admin.get(f"/posts/{post_id}").get_data(as_text=True)
    clock.now += timedelta(minutes=1)
    Worker(project.config, sessions, clock).run_due()
    page = admin.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Deleted from the network." in page and "Delete it from the networks" not in page
    assert project.outbox_lines() == []
