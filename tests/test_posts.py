"""A post's status, derived from its deliveries; pausing, resuming and moving a post."""

from datetime import timedelta

import pytest

from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Post
from recovery_voice.posts import PostProblem, pause, reschedule, resume, summarise
from recovery_voice.worker import Worker

from test_worker import schedule


@pytest.mark.parametrize("statuses, expected", [
    (["scheduled", "published"], "scheduled"),
    (["claimed"], "scheduled"),
    (["publishing", "published"], "publishing"),
    (["published", "published"], "published"),
    (["published", "needs_review"], "needs_review"),
    (["published", "failed", "missed"], "failed"),
    (["missed", "cancelled"], "missed"),
    (["published", "cancelled"], "published"),
    (["cancelled"], "cancelled"),
    (["paused", "paused"], "paused"),
])
def test_a_posts_status_summarises_its_deliveries(statuses, expected):
    assert summarise(statuses) == expected


def test_a_paused_post_does_not_go_out_until_it_is_resumed(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now)
    with transaction(sessions) as session:
        assert pause(session, post_id, "vol@example.org").status == "paused"
    worker = Worker(project.config, sessions, clock)
    assert worker.run_due() == 0 and project.outbox_lines() == []
    with transaction(sessions) as session:
        resume(session, project.config, post_id, "vol@example.org", now=clock.now - timedelta(seconds=1))
    assert worker.run_due() == 1 and len(project.outbox_lines()) == 1


def test_a_post_resumed_after_its_time_moves_to_the_next_free_slot(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now)
    with transaction(sessions) as session:
        pause(session, post_id)
    with transaction(sessions) as session:
        resume(session, project.config, post_id, now=clock.now + timedelta(hours=1))
    with sessions() as session:
        delivery = session.query(Delivery).one()
    assert delivery.status == "scheduled" and delivery.due_at > clock.now + timedelta(hours=1)


def test_a_post_can_be_moved_to_a_new_time_until_it_has_gone_out(project, sessions, clock):
    [post_id] = schedule(project, sessions, 1, clock.now + timedelta(hours=1))
    later = clock.now + timedelta(days=3)
    with transaction(sessions) as session:
        reschedule(session, project.config, post_id, later.isoformat(), now=clock.now)
    with sessions() as session:
        delivery = session.query(Delivery).one()
        assert (delivery.due_at, delivery.run_at) == (later, later)
        assert session.get(Post, post_id).when == later.isoformat()
    clock.now = later
    Worker(project.config, sessions, clock).run_due()
    with pytest.raises(PostProblem, match="nothing left to move"):
        with transaction(sessions) as session:
            reschedule(session, project.config, post_id, "next-slot", now=clock.now)
