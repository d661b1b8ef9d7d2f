"""Settling by hand a post the worker could not: marking it as out with its link, sending it again, moving it."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from recovery_voice import logbook
from recovery_voice.db import transaction
from recovery_voice.models import Account, Delivery, DeliveryPart, Post
from recovery_voice.posts import PostProblem, cancel, list_posts, refresh_status, reschedule
from recovery_voice.settle import find_delivery, mark_out, parse_link, send_again
from recovery_voice.worker import Worker

from conftest import Project
from test_mastodon_publisher import account, mastodon, masto_project, queue  # noqa: F401 (fixtures)
from test_worker import schedule
from test_x_publisher import delivery, x_api, x_project  # noqa: F401 (fixtures)
from web_fixtures import csrf_from, make_app, make_people, sign_in

ADMIN = "ada@example.org"


def lose_the_answer(sessions, post_id, status="needs_review"):
    """Make a delivery look as if its answer was lost: its parts unrecorded, its outcome unknown."""
    with transaction(sessions) as session:
        delivery_id = session.scalar(select(Delivery.id).where(Delivery.post_id == post_id))
        session.execute(delete(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id))
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status=status, remote_id=None, remote_url=None, last_error="no answer; check the account",
            sending_part=1, sending_since=Delivery.due_at))
        refresh_status(session, post_id)
    return delivery_id


def published_once(project, sessions, clock):
    """A post the outbox published, whose answer was then lost: the line is there, the database does not know."""
    [post_id] = schedule(project, sessions, 1, clock.now)
    Worker(project.config, sessions, clock).run_due()
    lose_the_answer(sessions, post_id)
    [line] = project.outbox_lines()
    return post_id, f"{project.config.account('outbox').path.as_uri()}#{line['key']}"


def events(sessions):
    with sessions() as session:
        return [(e.event, e.actor, e.url, e.reason) for e in logbook.entries(session)]


# Marking it as out ---------------------------------------------------------------------------------------------

def test_a_post_x_may_have_published_is_marked_out_with_its_link_and_deleted_when_cancelled(x_project, x_api, clock):
    [post_id] = schedule(x_project, x_project.sessions, 1, clock.now)
    x_api.fail_next("timeout", seconds=2)  # X creates the tweet; the answer never arrives in time
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    x_api.wait_idle()
    assert delivery(x_project.sessions).status == "needs_review"
    [tweet_id] = x_api.tweets
    link = f"https://x.com/ourcommunity/status/{tweet_id}?s=20"
    with transaction(x_project.sessions) as session:
        mark_out(session, x_project.config, find_delivery(session, post_id, "x"), [link], ADMIN, clock.now)
    found = delivery(x_project.sessions)
    assert (found.status, found.remote_id, found.remote_url) == ("published", tweet_id, link)
    assert ("marked_published", ADMIN, link, "an admin found it on the account") in events(x_project.sessions)
    with transaction(x_project.sessions) as session:
        cancel(session, [post_id], ADMIN, clock.now)
    worker.run_due()
    assert x_api.tweets == {} and delivery(x_project.sessions).deletion == "deleted"


def test_marking_a_scheduled_post_as_out_is_refused_with_a_plain_message(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now + timedelta(hours=1))
    with pytest.raises(PostProblem, match="is scheduled; only a post that needs checking or was missed can be marked"):
        with transaction(sessions) as session:
            mark_out(session, project.config, find_delivery(session, post_id, None),
                     ["https://example.org/1"], ADMIN, clock.now)
    with sessions() as session:
        assert session.scalar(select(Delivery.status)) == "scheduled"


def test_a_link_found_after_the_post_was_cancelled_is_deleted_too(project, sessions, clock):
    post_id, link = published_once(project, sessions, clock)
    with transaction(sessions) as session:
        cancel(session, [post_id], ADMIN, clock.now)
    worker = Worker(project.config, sessions, clock)
    worker.run_due()  # nothing recorded to delete: the log tells an admin to look on the account
    assert len(project.outbox_lines()) == 1
    with transaction(sessions) as session:
        mark_out(session, project.config, find_delivery(session, post_id, None), [link], ADMIN, clock.now)
    worker.run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        assert session.scalar(select(DeliveryPart.deleted_at)) is not None


def test_a_link_given_twice_or_already_recorded_is_kept_once(project, sessions, clock):
    post_id, link = published_once(project, sessions, clock)
    with transaction(sessions) as session:
        mark_out(session, project.config, find_delivery(session, post_id, "outbox"), [link, " ", link], ADMIN)
    with sessions() as session:
        assert [(p.number, p.url) for p in session.scalars(select(DeliveryPart))] == [(1, link)]
        assert session.get(Post, post_id).status == "published"


CONFIGURED = """
[[accounts]]
name = "x"
platform = "x"
consumer_key_env = "A"
consumer_secret_env = "B"
access_token_env = "C"
access_token_secret_env = "D"

[[accounts]]
name = "masto"
platform = "mastodon"
base_url = "https://social.example"
access_token_env = "E"

[[accounts]]
name = "sky"
platform = "bluesky"
handle = "ourcommunity.bsky.social"
app_password_env = "F"
"""


@pytest.fixture
def networks(tmp_path):
    return Project(tmp_path).write_config(accounts=CONFIGURED).config


@pytest.mark.parametrize("name, url, remote_id", [
    ("x", "https://x.com/ourcommunity/status/1790000000000000001", "1790000000000000001"),
    ("x", "https://twitter.com/ourcommunity/status/17?s=20", "17"),
    ("x", "https://x.com/i/web/status/42", "42"),
    ("masto", "https://social.example/@ourcommunity/109876543210", "109876543210"),
    ("masto", "https://social.example/users/ourcommunity/statuses/5", "5"),
    ("sky", "https://bsky.app/profile/ourcommunity.bsky.social/post/3kq2abcdefg22",
     "at://ourcommunity.bsky.social/app.bsky.feed.post/3kq2abcdefg22"),
])
def test_the_posts_id_is_read_from_its_link_on_each_network(networks, name, url, remote_id):
    platform = networks.account(name).platform
    assert parse_link(networks, Account(name=name, platform=platform), url).remote_id == remote_id


@pytest.mark.parametrize("name, url, says", [
    ("x", "javascript:alert(1)", "is not a web link"),
    ("x", "ftp://x.com/ourcommunity/status/1", "is not a web link"),
    ("x", "https://x.com.evil.example/ourcommunity/status/1", "https://x.com/<user>/status/<id>"),
    ("x", "https://x.com/ourcommunity", "https://x.com/<user>/status/<id>"),
    ("masto", "https://mastodon.social/@ourcommunity/1", "https://social.example/@<user>/<id>"),
    ("sky", "https://bsky.app/profile/someone.else/post/3kq2abcdefg22", "bsky.app/profile/ourcommunity.bsky.social"),
    ("sky", "https://social.example/profile/ourcommunity.bsky.social/post/3k", "bsky.app/profile"),
])
def test_a_link_that_is_not_a_post_of_that_account_is_refused_saying_what_one_looks_like(networks, name, url, says):
    platform = networks.account(name).platform
    with pytest.raises(PostProblem, match=says.replace("?", r"\?")):
        parse_link(networks, Account(name=name, platform=platform), url)


# Sending it again ----------------------------------------------------------------------------------------------

def test_a_post_sent_again_after_checking_goes_out_now_with_its_attempts_kept(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now - timedelta(hours=1))
    with transaction(sessions) as session:
        session.execute(update(Delivery).values(attempts=2))
    lose_the_answer(sessions, post_id)  # as if nothing reached the outbox
    with transaction(sessions) as session:
        send_again(session, find_delivery(session, post_id, None), ADMIN, clock.now)
    with sessions() as session:
        found = session.scalars(select(Delivery)).one()
        assert (found.status, found.attempts, found.run_at, found.sending_since) == ("scheduled", 2, clock.now, None)
    Worker(project.config, sessions, clock).run_due()
    assert len(project.outbox_lines()) == 1
    assert ("sent_again", ADMIN, None, "an admin checked the account: it is not there; sending it again now") \
        in events(sessions)


def test_a_missed_post_sent_again_goes_out_instead_of_being_missed_again(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now)
    clock.now += timedelta(hours=7)
    worker = Worker(project.config, sessions, clock)
    worker.run_due()
    with transaction(sessions) as session:
        send_again(session, find_delivery(session, post_id, None), ADMIN, clock.now)
    assert worker.run_due() == 1 and len(project.outbox_lines()) == 1
    with sessions() as session:
        assert session.get(Post, post_id).status == "published"


def test_a_post_being_taken_down_is_not_sent_again(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now)
    lose_the_answer(sessions, post_id)
    with transaction(sessions) as session:
        cancel(session, [post_id], ADMIN, clock.now)
    with pytest.raises(PostProblem, match="being taken down"):
        with transaction(sessions) as session:
            send_again(session, find_delivery(session, post_id, None), ADMIN, clock.now)


def test_a_mastodon_post_sent_again_under_its_key_is_not_posted_twice(masto_project, mastodon, account, clock):
    post_id = queue(masto_project, clock)
    Worker(masto_project.config, masto_project.sessions, clock).run_due()
    lose_the_answer(masto_project.sessions, post_id)  # the admin missed it on the account and sends it again
    with transaction(masto_project.sessions) as session:
        send_again(session, find_delivery(session, post_id, None), ADMIN, clock.now)
    Worker(masto_project.config, masto_project.sessions, clock).run_due()
    [status] = mastodon.statuses(account[0], token=account[1])
    with masto_project.sessions() as session:
        found = session.scalars(select(Delivery)).one()
        assert (found.status, found.remote_id) == ("published", str(status["id"]))


# Moving it -----------------------------------------------------------------------------------------------------

def test_a_missed_post_moves_to_the_next_free_slot_only_when_an_admin_asks(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now)
    clock.now += timedelta(hours=7)
    Worker(project.config, sessions, clock).run_due()
    with pytest.raises(PostProblem, match="nothing left to move"):
        with transaction(sessions) as session:
            reschedule(session, project.config, post_id, "next-slot", now=clock.now)
    with transaction(sessions) as session:
        reschedule(session, project.config, post_id, "next-slot", ADMIN, clock.now, account="outbox", unsettled=True)
    with sessions() as session:
        found = session.scalars(select(Delivery)).one()
        assert found.status == "scheduled" and found.due_at > clock.now and found.last_error is None
        assert session.get(Post, post_id).status == "scheduled"
    assert ("rescheduled", ADMIN, None, "next-slot") in events(sessions)


# The command line and the web app ------------------------------------------------------------------------------

@pytest.mark.slow  # five runs of the real command: a few seconds, more on a busy machine
def test_the_command_line_marks_out_sends_again_and_moves_a_post_that_needs_checking(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now + timedelta(hours=1))
    refused = project.cli("posts", "retry", str(post_id))
    assert refused.returncode == 1 and "is scheduled; only a post that needs checking" in refused.stderr
    assert "Traceback" not in refused.stderr
    lose_the_answer(sessions, post_id)
    retried = project.cli("posts", "retry", str(post_id), "--account", "outbox", check=True)
    assert f"post {post_id} on outbox: back on the queue" in retried.stdout
    lose_the_answer(sessions, post_id, status="missed")
    moved = project.cli("posts", "reschedule", str(post_id), check=True)
    assert moved.stdout.startswith(f"post {post_id} on outbox: goes out ")
    lose_the_answer(sessions, post_id)
    link = f"{project.config.account('outbox').path.as_uri()}#recovery-voice-1-abc"
    wrong = project.cli("posts", "mark-published", str(post_id), "--url", "https://example.org/1", "--url", link)
    assert wrong.returncode == 1 and "is not a line of this outbox" in wrong.stderr
    marked = project.cli("posts", "mark-published", str(post_id), "--url", link, check=True)
    assert f"marked as published at {link}" in marked.stdout
    with sessions() as session:
        [row] = list_posts(session)
    assert row["status"] == "published" and row["deliveries"][0]["url"] == link
    assert set(row["deliveries"][0]) == {"account", "status", "due_at", "attempts", "url", "error", "deletion"}
    settled = [(event, actor) for event, actor, *_ in events(sessions) if event not in ("queued", "approved")]
    assert settled == [("sent_again", "sam@example.org"), ("rescheduled", "sam@example.org"),
                       ("marked_published", "sam@example.org")]


def test_an_admin_settles_a_post_from_its_page_and_a_volunteer_cannot(project, sessions, clock):
    make_people(sessions)
    post_id, link = published_once(project, sessions, clock)
    with sessions() as session:
        delivery_id = session.scalar(select(Delivery.id))
    app = make_app(project, sessions)
    volunteer = sign_in(app.test_client(), "volunteer")
    page = volunteer.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Settle it" not in page and "mark it as published" not in page
    base = f"/posts/{post_id}/deliveries/{delivery_id}"
    assert volunteer.post(f"{base}/mark-published", data={"csrf_token": csrf_from(page),
                                                          f"d{delivery_id}-links": link}).status_code == 403
    admin = sign_in(app.test_client(), "admin")
    page = admin.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Settle it on outbox" in page and f'name="d{delivery_id}-links"' in page
    answer = admin.post(f"{base}/mark-published", data={"csrf_token": csrf_from(page), f"d{delivery_id}-links": link},
                        follow_redirects=True)
    assert "It is marked as published" in answer.get_data(as_text=True)
    answer = admin.post(f"{base}/retry", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "is published; only a post that needs checking or was missed can be sent again" \
        in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.get(Post, post_id).status == "published"
        assert session.scalar(select(DeliveryPart.url)) == link


def test_the_settling_forms_need_their_csrf_token(project, sessions, clock):
    make_people(sessions)
    [post_id] = schedule(project, sessions, 1, clock.now)
    delivery_id = lose_the_answer(sessions, post_id, status="missed")
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    assert admin.post(f"/posts/{post_id}/deliveries/{delivery_id}/retry").status_code == 400
    page = admin.get(f"/posts/{post_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), f"d{delivery_id}-when": "next-slot"}
    answer = admin.post(f"/posts/{post_id}/deliveries/{delivery_id}/reschedule", data=data, follow_redirects=True)
    assert "back on the queue at its new time" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.scalar(select(Delivery.status)) == "scheduled"
