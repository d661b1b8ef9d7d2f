"""Approval with the language gate, rejection and cancellation."""

import pytest
from sqlalchemy import select

from recovery_voice import logbook
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Post
from recovery_voice.posts import Draft, PostProblem, cancel, create_post, list_posts
from recovery_voice.review import approve, reject


def make(project, sessions, text, **kw):
    with transaction(sessions) as session:
        return create_post(session, project.config, Draft(text=text, **kw), created_by="vol@example.org").id


def test_a_post_with_an_error_finding_cannot_be_approved_without_a_reason(project, sessions):
    post_id = make(project, sessions, "A junkie once told me recovery was impossible.")
    with pytest.raises(PostProblem, match=r"has a language error: \"A junkie\".*--override-reason"):
        with transaction(sessions) as session:
            approve(session, project.config, [post_id], "admin@example.org")
    with pytest.raises(PostProblem, match="too short"):
        with transaction(sessions) as session:
            approve(session, project.config, [post_id], "admin@example.org", override_reason="ok")
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


def test_an_override_reason_approves_it_and_is_logged(project, sessions):
    post_id = make(project, sessions, "A junkie once told me recovery was impossible.")
    reason = "The member asked us to quote their own words exactly."
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "admin@example.org", override_reason=reason)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert (post.status, post.approved_by, post.override_reason) == ("scheduled", "admin@example.org", reason)
        assert {d.status for d in post.deliveries} == {"scheduled"}
        entry = [e for e in logbook.entries(session) if e.post_id == post_id][-1]
    assert (entry.event, entry.actor, entry.reason) == ("approved_override", "admin@example.org", reason)


def test_approving_a_batch_is_all_or_nothing(project, sessions):
    good = make(project, sessions, "Our café is open today, all welcome.")
    bad = make(project, sessions, "Crackheads are welcome too.")
    with pytest.raises(PostProblem):
        with transaction(sessions) as session:
            approve(session, project.config, [good, bad], "admin@example.org")
    with sessions() as session:
        assert session.get(Post, good).status == "pending"


def test_warnings_are_acknowledged_by_approving_and_the_log_says_which(project, sessions):
    post_id = make(project, sessions, "We support service users every day.")
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "admin@example.org")
        entry = logbook.entries(session)[-1]
    assert entry.event == "approved" and "warnings acknowledged" in entry.error


def test_a_next_slot_that_passed_while_waiting_moves_to_the_next_free_slot(project, sessions, clock):
    with transaction(sessions) as session:
        post_id = create_post(session, project.config, Draft(text="Hello friends."), now=clock.now).id
        first_due = session.get(Post, post_id).deliveries[0].due_at
    later = first_due.replace(year=first_due.year + 1)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "admin@example.org", now=later)
    with sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert delivery.due_at > later and delivery.run_at == delivery.due_at


def test_a_rejected_post_keeps_its_reason_and_frees_its_slot(project, sessions):
    post_id = make(project, sessions, "Hello friends.")
    with pytest.raises(PostProblem, match="say in a sentence"):
        with transaction(sessions) as session:
            reject(session, [post_id], "admin@example.org", "no")
    with transaction(sessions) as session:
        reject(session, [post_id], "admin@example.org", "Please add the date of the meeting.")
    with sessions() as session:
        assert session.get(Post, post_id).status == "rejected"
        assert logbook.entries(session)[-1].reason == "Please add the date of the meeting."
    assert make(project, sessions, "Hello again.")  # takes the freed slot without clashing


def test_cancelling_stops_a_scheduled_post_and_cannot_be_repeated(project, sessions):
    post_id = make(project, sessions, "Hello friends.")
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], "admin@example.org")
    with transaction(sessions) as session:
        cancel(session, [post_id], "admin@example.org")
    with sessions() as session:
        assert session.get(Post, post_id).status == "cancelled"
    with pytest.raises(PostProblem, match="is cancelled; there is nothing left to cancel"):
        with transaction(sessions) as session:
            cancel(session, [post_id], "admin@example.org")


def test_an_unknown_post_id_is_named(project, sessions):
    with pytest.raises(PostProblem, match="no post with id 99"):
        with transaction(sessions) as session:
            approve(session, project.config, [99], "admin@example.org")


def test_the_post_list_has_the_stable_fields(project, sessions):
    make(project, sessions, "Hello friends.")
    with sessions() as session:
        rows = list_posts(session)
        assert list_posts(session, "published") == []
    assert {"id", "status", "text", "accounts", "due_at"} <= set(rows[0])
    assert rows[0]["accounts"] == ["outbox"] and rows[0]["due_at"].endswith("Z")
    with pytest.raises(PostProblem, match="status must be one of"):
        with sessions() as session:
            list_posts(session, "done")
