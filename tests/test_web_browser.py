"""The main flow of each role, end to end in a real Chromium at phone width, with axe on every page."""

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from browser import Visitor, says
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Post, Story
from recovery_voice.posts import Draft, create_post, refresh_status
from recovery_voice.review import approve
from recovery_voice.slots import Slot, slot_instants
from recovery_voice.timer import make_scheduler
from recovery_voice.worker import Worker
from conftest import sqlite_only
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app, make_people


def give_consent(page) -> None:
    """Tick the outbox and choose an end date: a new story's form starts with neither."""
    page.get_by_label("outbox (outbox)").check()
    page.get_by_label("You agree we may share it until").fill("2099-01-01")


@pytest.fixture
def site(project, sessions):
    """The app and the worker's timer, served in this process as `serve` does."""
    make_people(sessions)
    scheduler = make_scheduler(Worker(project.config, sessions), blocking=False)
    scheduler.start()
    server = LiveServer(make_app(project, sessions, scheduler))
    yield server
    server.close()
    scheduler.shutdown(wait=True)


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_a_storyteller_submits_edits_and_withdraws_a_story(chromium, site, sessions):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    assert page.get_by_role("heading", name="My stories").is_visible()
    page.get_by_role("link", name="Share a story").first.click()
    visitor.audit()
    page.get_by_label("Title").fill("Finding my people")
    page.get_by_label("Your story").fill("I'm an addict and proud to be in recovery. The café gave me a place to belong.")
    page.get_by_label("My first name only").check()
    page.get_by_label("The name to show").fill("Sam")
    give_consent(page)
    page.get_by_role("button", name="Check my words").click()
    visitor.audit()
    assert "A note" in page.locator("#text-findings").inner_text()  # their own words: a gentle note, never blocked
    page.get_by_role("button", name="Send my story for approval").click()
    visitor.audit()
    assert page.get_by_role("heading", name="Your story as it will be published").is_visible()
    page.get_by_role("link", name="Back to my story").click()
    visitor.audit()
    assert "Waiting for you to sign off the final text" in page.locator(".status").inner_text()

    page.get_by_role("link", name="Change my story").click()
    visitor.audit()
    page.get_by_label("Your story").fill("I'm in recovery. The café gave me a place to belong, and friends for life.")
    page.get_by_role("button", name="Save my changes").click()
    visitor.audit()
    page.get_by_role("link", name="Back to my story").click()
    visitor.audit()
    assert "friends for life" in page.locator(".story-text").inner_text()

    page.get_by_role("link", name="Withdraw my story").click()
    visitor.audit()
    page.get_by_role("button", name="Yes, withdraw my story").click()
    visitor.audit()
    says(page, "You withdrew this story")
    visitor.goto("/stories")
    says(page, "Withdrawn: it will not be shared")
    with sessions() as session:
        story = session.scalar(select(Story))
        assert (story.status, story.version) == ("withdrawn", 2)
        assert session.scalar(select(LogEntry.event).where(LogEntry.event == "story_withdrawn"))
    visitor.close()


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_a_volunteer_composes_from_a_template_applies_a_suggestion_and_schedules_into_a_slot(
        chromium, site, project, sessions):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    page.get_by_role("link", name="Write a post").first.click()
    visitor.audit()
    page.get_by_role("link", name="Milestone").click()
    visitor.audit()
    page.get_by_label("How they want to be named").fill("Sam")
    page.get_by_label("Time in recovery").fill("two years clean")
    fix = page.get_by_role("button", name="Use “in recovery”")
    fix.wait_for()  # the live check answered while typing
    fix.click()
    assert page.get_by_label("Time in recovery").input_value() == "two years in recovery"
    page.get_by_role("button", name="Check and preview").click()
    visitor.audit()
    says(page, "No language concerns found.", "On X:")
    page.get_by_label("The next free slot in the timetable").check()
    page.get_by_role("button", name="Queue this post").click()
    visitor.audit()
    assert "Waiting for approval" in page.get_by_role("heading", level=1).inner_text()
    with sessions() as session:
        post = session.scalar(select(Post))
        [delivery] = session.scalars(select(Delivery))
    assert post.template == "milestone" and "two years in recovery" in post.text
    slots = slot_instants(list(project.config.slots), project.config.timezone, datetime.now(timezone.utc))
    assert delivery.due_at == next(slots)
    for path in ("/queue", "/calendar", "/calendar?view=month", f"/posts/{post.id}"):
        visitor.goto(path)
    says(page, "Sam")
    visitor.close()


def test_an_admin_approves_a_post_with_an_override_reason_and_sees_it_published_in_the_log(
        chromium, site, project, sessions):
    due = datetime.now(timezone.utc) + timedelta(seconds=4)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(
            text="A junkie once told Sam recovery was impossible.", when=due.isoformat()))  # not a death: one admin
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
    assert page.get_by_role("heading", name="Waiting for your review").is_visible()
    page.get_by_role("button", name="Approve post #1").click()
    visitor.audit()
    # No reason, no approval: the page says so beside the reason's box, which has the focus.
    assert "Write here why it should go out as it is" in page.locator("#a1-override_reason-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "a1-override_reason"
    page.get_by_label("Why it should go out").fill("It quotes the slur to explain why we never use it.")
    page.get_by_role("button", name="Approve post #1").click()
    visitor.audit()
    assert "is approved" in page.locator(".flash").inner_text()
    deadline = time.monotonic() + 20
    while not project.outbox_lines() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert project.outbox_lines(), "the worker did not publish the approved post"
    visitor.goto("/log?outcome=published")
    row = page.locator("tbody tr").first
    assert "published" in row.inner_text() and "#1" in row.inner_text()
    visitor.goto("/log")
    says(page, "It quotes the slur to explain why we never use it.")
    for path in ("/accounts", "/users", "/timetable", "/account/password"):
        visitor.goto(path)
    visitor.close()


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_an_admin_adds_a_slot_sees_compose_use_it_and_removes_it(chromium, site, project, sessions):
    tz = project.config.timezone
    soon = (datetime.now(tz) + timedelta(hours=3)).replace(second=0, microsecond=0)
    added = Slot(soon.weekday(), soon.time().replace(tzinfo=None))
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
    visitor.goto("/timetable")
    page.get_by_label("Day").select_option(str(added.weekday))
    page.get_by_label("Time").fill(f"{added.time:%H:%M}")
    page.get_by_role("button", name="Add this slot").click()
    visitor.audit()
    assert f"{added} is added" in page.locator(".flash").inner_text()
    assert page.get_by_role("button", name=f"Remove {added}").is_visible()

    expected = next(slot_instants([*project.config.slots, added], tz, datetime.now(timezone.utc) + timedelta(minutes=1)))
    visitor.goto("/compose?free=1")
    here = expected.astimezone(tz)
    assert f"{here:%a} {here.day} {here:%b %Y, %H:%M %Z}" in page.locator("#next-slot-hint").inner_text()
    page.get_by_label("Your post").fill("Our café is open on Thursday: come as you are.")
    page.get_by_label("The next free slot in the timetable").check()
    page.get_by_role("button", name="Queue this post").click()
    visitor.audit()
    with sessions() as session:
        assert session.scalar(select(Delivery.due_at)) == expected

    visitor.goto("/timetable")
    page.get_by_role("button", name=f"Remove {added}").click()
    visitor.audit()
    assert "still go out then" in page.locator(".flash").inner_text()
    assert page.get_by_role("button", name=f"Remove {added}").count() == 0
    with sessions() as session:
        assert session.scalar(select(Delivery.due_at)) == expected  # the post keeps its time
    visitor.close()


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_the_preview_follows_the_text_as_a_volunteer_types(chromium, site):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    visitor.goto("/compose?free=1")
    assert page.locator("#preview").is_hidden()
    page.get_by_label("Your post").fill("Our café is open: come as you are.")
    page.get_by_role("heading", name="On X: 34 of 280 characters").wait_for()
    page.get_by_label("Your post").fill("Our café is open every Thursday: come as you are. " * 8)
    page.get_by_role("heading", name=re.compile(r"On Bluesky: \d+ of 300 characters, so it goes out as a thread of 2")
                     ).wait_for()
    visitor.audit()
    visitor.close()


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_the_people_page_lets_an_admin_deactivate_someone(chromium, site, sessions):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
    visitor.goto("/users")
    page.get_by_label(f"Role of {PEOPLE['volunteer']}").select_option("admin")
    page.get_by_role("button", name=f"Change role of {PEOPLE['volunteer']}").click()
    visitor.audit()
    assert "is now admin" in page.locator(".flash").inner_text()
    page.get_by_role("button", name=f"Deactivate {PEOPLE['storyteller']}").click()
    visitor.audit()
    assert "can no longer sign in" in page.locator(".flash").inner_text()
    assert page.get_by_role("button", name=f"Reactivate {PEOPLE['storyteller']}").is_visible()
    visitor.close()


@sqlite_only  # pages; test_web_*.py runs their routes on both databases
def test_an_admin_checks_publishing_and_settles_a_post_that_needs_checking(chromium, site, project, sessions):
    with transaction(sessions) as session:
        post = create_post(session, project.config, Draft(
            text="Our café is open on Thursday: come as you are.",
            when=(datetime.now(timezone.utc) + timedelta(days=1)).isoformat()))
        approve(session, project.config, [post.id], PEOPLE["admin"])
        session.flush()
        [delivery] = post.deliveries
        delivery.status = "needs_review"  # as if the network never answered
        post.status = refresh_status(session, post.id)
        post_id = post.id
    for width in (360, 1280):
        visitor = Visitor(chromium, site.url, width=width)
        page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
        visitor.goto("/publishing")
        assert page.get_by_role("heading", name="Publishing").is_visible()
        visitor.goto(f"/posts/{post_id}")
        assert page.get_by_role("heading", name="Settle it on outbox").is_visible()
        visitor.close()
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
    visitor.goto(f"/posts/{post_id}")
    page.get_by_role("button", name="It is not there: send it again now").click()
    visitor.audit()
    assert "back on the queue" in page.locator(".flash").inner_text()
    visitor.close()
