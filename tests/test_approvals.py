"""The second admin's approval: a post or story touching suicide or a death from drugs needs two different admins."""

from datetime import date

import pytest
from sqlalchemy import select

from recovery_voice import history
from recovery_voice.db import transaction
from recovery_voice.models import LogEntry, Post, Story, User
from recovery_voice.posts import Draft, PostProblem, create_post, edit_post
from recovery_voice.review import approve
from recovery_voice.stories import StoryDraft, approve_story, edit, sign_off, submit
from recovery_voice.worker import Worker

from conftest import sqlite_only
from web_fixtures import PASSWORD, csrf_from, make_app, make_people, password_hash, sign_in

SUICIDE = "He died by suicide in March. We walk for him on Saturday."
OVERDOSES = "Two friends died of overdoses this year. We remember them tonight."
PLAIN = "Our café is open on Tuesday, all welcome."
ADA, BO, VAL = "ada@example.org", "bo@example.org", "val@example.org"


@pytest.fixture
def people(sessions):
    """One person per role (ada is an admin, val a volunteer) and a second admin, bo; their ids by key."""
    ids = make_people(sessions)
    with transaction(sessions) as session:
        bo = User(email=BO, display_name="Bo", session_generation=0, password_hash=password_hash(), role="admin")
        session.add(bo)
        session.flush()
        ids["second_admin"] = bo.id
    return ids


def _post(project, sessions, text, author=VAL) -> int:
    with transaction(sessions) as session:
        return create_post(session, project.config, Draft(text=text), created_by=author).id


def _approve(project, sessions, post_id, actor, reason=None):
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], actor, override_reason=reason)


def _who(sessions, ref):
    """The display name of the person a log entry names (the log may name them by id or, in older rows, email)."""
    with sessions() as session:
        return history.names_of(session, [ref]).get(ref)


def _events(sessions, event):
    with sessions() as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.event == event).order_by(LogEntry.id)))


# Posts --------------------------------------------------------------------------------------------------------------

def test_a_post_touching_suicide_waits_after_its_first_approval_and_the_log_says_who_gave_it(project, sessions,
                                                                                              people):
    post_id = _post(project, sessions, SUICIDE)
    _approve(project, sessions, post_id, ADA)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post.care["topics"] == ["suicide"]
        assert (post.status, post.first_approved_by, post.approved_by) == ("pending", ADA, None)
        assert post.first_approved_at is not None
        assert {d.status for d in post.deliveries} == {"pending"}
    [entry] = _events(sessions, "first_approval")
    assert (entry.post_id, _who(sessions, entry.actor)) == (post_id, "ada") and "touches suicide" in entry.reason


def test_the_admin_who_approved_first_cannot_give_the_second_approval(project, sessions, people):
    post_id = _post(project, sessions, SUICIDE)
    _approve(project, sessions, post_id, ADA)
    with pytest.raises(PostProblem, match="you approved it first") as refused:
        _approve(project, sessions, post_id, "Ada@Example.org")  # the same person, however the address is typed
    assert refused.value.kind == "same_admin"
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


def test_the_author_cannot_give_the_second_approval(project, sessions, people):
    post_id = _post(project, sessions, OVERDOSES, author=BO)  # an admin who wrote the post
    _approve(project, sessions, post_id, ADA)
    with pytest.raises(PostProblem, match="you wrote it") as refused:
        _approve(project, sessions, post_id, BO)
    assert refused.value.kind == "own_item" and refused.value.details["first"] == "ada"
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


def test_a_second_admin_puts_it_on_the_timetable_and_the_log_names_both(project, sessions, people):
    post_id = _post(project, sessions, OVERDOSES)
    _approve(project, sessions, post_id, ADA)
    _approve(project, sessions, post_id, BO)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post.care["topics"] == ["drug-death"]
        assert (post.status, post.first_approved_by, post.approved_by) == ("scheduled", ADA, BO)
        assert {d.status for d in post.deliveries} == {"scheduled"}
    [entry] = _events(sessions, "approved")
    assert _who(sessions, entry.actor) == _who(sessions, entry.approved_by) == "Bo"
    assert f"second approval; user {people['admin']} approved it first" in entry.error


def test_a_post_not_touching_the_topics_needs_one_approval_as_before(project, sessions, people):
    post_id = _post(project, sessions, PLAIN)
    _approve(project, sessions, post_id, ADA)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post.care["topics"] == [] and (post.status, post.first_approved_by) == ("scheduled", None)
    assert _events(sessions, "first_approval") == []


def test_editing_a_post_after_its_first_approval_clears_it_and_logs_that(project, sessions, people):
    post_id = _post(project, sessions, SUICIDE)
    _approve(project, sessions, post_id, ADA)
    with transaction(sessions) as session:
        edit_post(session, project.config, post_id, Draft(text=SUICIDE + " Bring a friend."), actor=VAL)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert (post.status, post.first_approved_by, post.first_approved_at) == ("pending", None, None)
    [entry] = _events(sessions, "first_approval_cleared")
    assert (entry.post_id, _who(sessions, entry.actor)) == (post_id, "val")
    assert f"edited after user {people['admin']} approved it first; it needs two approvals again" in entry.reason
    _approve(project, sessions, post_id, ADA)  # the first approval of the new words, not a second
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


def test_an_error_finding_still_needs_its_reason_at_the_first_and_the_second_approval(project, sessions, people):
    post_id = _post(project, sessions, "A junkie he once was; he died by suicide in March.")
    reason = "His mother asked us to quote the word he used about himself."
    with pytest.raises(PostProblem, match="language error"):
        _approve(project, sessions, post_id, ADA)
    _approve(project, sessions, post_id, ADA, reason)
    with pytest.raises(PostProblem, match="language error"):
        _approve(project, sessions, post_id, BO)
    _approve(project, sessions, post_id, BO, reason)
    with sessions() as session:
        post = session.get(Post, post_id)
        assert (post.status, post.override_reason) == ("scheduled", reason)
    [first] = _events(sessions, "first_approval")
    assert reason in first.reason


@sqlite_only
def test_the_other_admins_are_emailed_that_it_waits_for_a_second_approval(mailing, smtp):
    project, sessions, _ids = mailing
    with transaction(sessions) as session:
        for email, name in ((BO, "Bo"), ("cy@example.org", "Cy")):
            session.add(User(email=email, display_name=name, session_generation=0, password_hash=password_hash(),
                             role="admin"))
    post_id = _post(project, sessions, SUICIDE, author=BO)
    _approve(project, sessions, post_id, ADA)
    Worker(project.config, sessions).run_due()
    received = smtp.wait_for(4)  # the three admins told it waits for review, then the one who may give the second
    [told] = [r for r in received if r.message["Subject"] == "A post needs a second admin's approval"]
    assert told.recipients == ["cy@example.org"]  # not ada, who approved it first, nor bo, who wrote it
    assert "ada approved the post \"He died by suicide" in told.text
    assert "It touches suicide, so a second admin needs to approve it too" in told.text
    assert "http://rv.test/review" in told.text


# Stories ------------------------------------------------------------------------------------------------------------

def _story(project, sessions, author_id, text=OVERDOSES, title="For Jamie") -> int:
    draft = StoryDraft(title=title, text=text, naming="pseudonym", shown_name="River", networks=["outbox"],
                       consent_until=date(2099, 1, 1))
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author_id), draft)
        return story.id


def _signed(project, sessions, story_id):
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))


def _approve_story(project, sessions, story_id, actor):
    with transaction(sessions) as session:
        approve_story(session, project.config, story_id, actor)


def test_a_story_touching_a_drug_death_needs_two_different_admins(project, sessions, people):
    story_id = _story(project, sessions, people["storyteller"])
    _signed(project, sessions, story_id)
    _approve_story(project, sessions, story_id, ADA)
    with sessions() as session:
        story = session.get(Story, story_id)
        assert story.care["topics"] == ["drug-death"]
        assert (story.status, story.first_approved_by, story.first_approved_version, story.post_id) == \
            ("pending", ADA, 1, None)
    with pytest.raises(PostProblem, match="you approved it first"):
        _approve_story(project, sessions, story_id, ADA)
    _approve_story(project, sessions, story_id, BO)
    with sessions() as session:
        story = session.get(Story, story_id)
        post = session.get(Post, story.post_id)
        assert (story.status, story.reviewed_by) == ("approved", BO)
        assert (post.status, post.first_approved_by, post.approved_by) == ("scheduled", ADA, BO)
    [entry] = _events(sessions, "first_approval")
    assert (_who(sessions, entry.actor), entry.post_id) == ("ada", None) and f"story {story_id}" in entry.reason


def test_a_story_whose_title_touches_suicide_needs_two_admins(project, sessions, people):
    story_id = _story(project, sessions, people["storyteller"], text="We planted a tree for him.",
                      title="He died by suicide in March")
    _signed(project, sessions, story_id)
    _approve_story(project, sessions, story_id, ADA)
    with sessions() as session:
        story = session.get(Story, story_id)
        assert story.care["topics"] == ["suicide"] and story.status == "pending"


def test_editing_a_story_after_its_first_approval_clears_it(project, sessions, people):
    story_id = _story(project, sessions, people["storyteller"])
    _signed(project, sessions, story_id)
    _approve_story(project, sessions, story_id, ADA)
    draft = StoryDraft(title="For Jamie", text=OVERDOSES + " I miss them.", naming="pseudonym", shown_name="River",
                       networks=["outbox"], consent_until=date(2099, 1, 1))
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        edit(session, project.config, story, None, draft)
    with sessions() as session:
        story = session.get(Story, story_id)
        assert (story.version, story.first_approved_by, story.first_approved_version) == (2, None, None)
    [entry] = _events(sessions, "first_approval_cleared")
    assert entry.actor == f"user {people['storyteller']}" and f"story {story_id}" in entry.reason
    _signed(project, sessions, story_id)
    _approve_story(project, sessions, story_id, BO)  # a first approval again: the new words need two admins too
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"


def test_a_story_not_touching_the_topics_is_approved_by_one_admin(project, sessions, people):
    story_id = _story(project, sessions, people["storyteller"], text="Recovery gave me my family back.",
                      title="Coming home")
    _signed(project, sessions, story_id)
    _approve_story(project, sessions, story_id, ADA)
    with sessions() as session:
        story = session.get(Story, story_id)
        assert (story.status, story.first_approved_by) == ("approved", None)


# The command line and the web say it in their own words ------------------------------------------------------------

def test_posts_approve_says_a_second_admin_is_needed_and_refuses_the_same_admin_twice(project, sessions, people):
    post_id = _post(project, sessions, SUICIDE)
    first = project.cli("posts", "approve", str(post_id), env={"RECOVERY_VOICE_USER": ADA})
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (f"post {post_id}: ada approved this. It touches suicide, so a second admin needs "
                                    "to approve it too. The other admins are told.")
    again = project.cli("posts", "approve", str(post_id), env={"RECOVERY_VOICE_USER": ADA})
    assert again.returncode == 1
    assert "you approved it first" in again.stderr and "ask another admin" in again.stderr
    second = project.cli("posts", "approve", str(post_id), env={"RECOVERY_VOICE_USER": BO})
    assert second.returncode == 0 and second.stdout.startswith(f"approved post {post_id}: goes out")


def test_the_review_page_says_who_approved_first_and_the_first_approver_sees_it_waits_for_someone_else(
        project, sessions, people):
    post_id = _post(project, sessions, SUICIDE)
    app = make_app(project, sessions)
    ada, bo = sign_in(app.test_client(), "admin"), app.test_client()
    _sign_in_as(bo, BO)
    page = ada.get("/review").get_data(as_text=True)
    assert "Needs two admins." in page and f"Approve post #{post_id}" in page
    done = ada.post(f"/review/posts/{post_id}/approve", follow_redirects=True,
                    data={"csrf_token": csrf_from(page), "seen": _seen(page, post_id)}).get_data(as_text=True)
    assert (f"You approved post {post_id}. It touches suicide, so a second admin needs to approve it too: "
            "the other admins are told by email.") in done
    assert "You approved this first." in done and f"Approve post #{post_id}" not in done
    again = ada.post(f"/review/posts/{post_id}/approve", follow_redirects=True,
                     data={"csrf_token": csrf_from(page), "seen": _seen(page, post_id)}).get_data(as_text=True)
    assert "You approved this post already. It touches suicide, so a different admin needs to approve it" in again
    theirs = bo.get("/review").get_data(as_text=True)
    assert "ada approved this.</strong> It touches suicide, so a second admin needs to approve it too." in theirs
    approved = bo.post(f"/review/posts/{post_id}/approve", follow_redirects=True,
                       data={"csrf_token": csrf_from(theirs), "seen": _seen(theirs, post_id)}).get_data(as_text=True)
    assert f"Post {post_id} is approved and on the timetable." in approved


def test_the_story_review_page_tells_the_first_approver_it_waits_and_refuses_them_twice(project, sessions, people):
    story_id = _story(project, sessions, people["storyteller"])
    _signed(project, sessions, story_id)
    app = make_app(project, sessions)
    ada = sign_in(app.test_client(), "admin")
    page = ada.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert "It touches a death from drugs, so it goes out only when two admins have approved it" in page
    done = ada.post(f"/review/stories/{story_id}/approve", follow_redirects=True,
                    data={"csrf_token": csrf_from(page), "version": "1"}).get_data(as_text=True)
    assert f"You approved story {story_id}. It touches a death from drugs, so a second admin" in done
    waiting = ada.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert "You approved this first." in waiting and "Approve this story" not in waiting
    refused = ada.post(f"/review/stories/{story_id}/approve",
                       data={"csrf_token": csrf_from(page), "version": "1"})
    assert refused.status_code == 422
    assert "You approved this story already." in refused.get_data(as_text=True)


def _sign_in_as(client, email):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302


def _seen(page: str, post_id: int) -> str:
    """The seen mark in the post's approve form."""
    form = page.split(f'action="/review/posts/{post_id}/approve"', 1)[1]
    return form.split('name="seen" value="', 1)[1].split('"', 1)[0]


@sqlite_only  # pages; the rules above run on both
def test_two_admins_approve_a_post_about_a_suicide_in_the_browser_and_each_page_reads_well_on_a_phone(
        chromium, site, project, sessions):
    from browser import Visitor, shots

    with transaction(sessions) as session:
        session.add(User(email=BO, display_name="Bo", session_generation=0, password_hash=password_hash(),
                         role="admin"))
        create_post(session, project.config, Draft(text=SUICIDE), created_by=VAL)
    first = Visitor(chromium, site.url)
    page = first.sign_in(ADA, PASSWORD)
    assert "Needs two admins." in page.locator("#post-1 .two-approvals").inner_text()
    page.get_by_role("button", name="Approve post #1").click()
    first.audit()
    assert "You approved post 1. It touches suicide" in page.locator(".flash").inner_text()
    assert "You approved this first." in page.locator("#post-1 .two-approvals").inner_text()
    assert page.get_by_role("button", name="Approve post #1").count() == 0
    shots(first, "review-first-approval")
    first.close()
    second = Visitor(chromium, site.url)
    page = second.sign_in(BO, PASSWORD)
    assert "ada approved this." in page.locator("#post-1 .two-approvals").inner_text()
    shots(second, "review-waits-for-second")
    page.get_by_role("button", name="Give post #1 its second approval").click()
    second.audit()
    assert "Post 1 is approved and on the timetable." in page.locator(".flash").inner_text()
    second.close()
    with sessions() as session:
        assert session.get(Post, 1).status == "scheduled"
