"""Posts in a real Chromium, axe at 360 and 1,280 px on every page: a volunteer's post sent back by an admin, changed
and approved; an admin whose approval without a reason is told so beside the box, with both typed notes kept.
Screenshots go to the folder RV_SCREENSHOTS names, for a person to look at."""

from sqlalchemy import select

from browser import Visitor, shots, says
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Post
from recovery_voice.posts import Draft, create_post
from conftest import sqlite_only
from web_fixtures import PASSWORD, PEOPLE

# The browser flow is the same on either database; test_web_posts covers both.
pytestmark = sqlite_only
NOTE = "Please say which day the open day is, so people know when to come."


def test_a_volunteers_post_is_sent_back_changed_and_approved(chromium, site, sessions):
    volunteer = Visitor(chromium, site.url)
    page = volunteer.sign_in(PEOPLE["volunteer"], PASSWORD)
    volunteer.goto("/compose?free=1")
    page.get_by_label("Your post").fill("Come to our open day.")
    page.get_by_role("button", name="Save as draft").click()
    assert "Draft" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="Change this post").click()
    # Counted down as they type: the page's script replaces the count the server wrote ("21 used"), on a
    # loaded machine a moment after the page is read.
    from playwright.sync_api import expect

    expect(page.locator("#text-count")).to_contain_text("Up to 20,000 characters: 1", timeout=15_000)
    shots(volunteer, "compose-draft")
    page.get_by_role("button", name="Send for approval").click()
    assert "Waiting for approval" in page.get_by_role("heading", level=1).inner_text()

    admin = Visitor(chromium, site.url)
    review = admin.sign_in(PEOPLE["admin"], PASSWORD)
    review.get_by_text("Send it back with a note").click()
    review.get_by_label("What should change").fill(NOTE)
    review.get_by_role("button", name="Send post #1 back").click()
    assert "sent back to its author" in review.locator(".flash").inner_text()
    shots(admin, "review-after-send-back")

    page.get_by_role("link", name="My posts").click()
    says(page, f"Sent back with this note: {NOTE}")
    shots(volunteer, "my-posts")
    page.get_by_role("link", name="Change post #1").click()
    page.get_by_label("Your post").fill("Come to our open day on Saturday from 11am: all welcome.")
    page.get_by_role("button", name="Send for approval again").click()
    shots(volunteer, "post-changed")

    admin.goto("/review")
    review.get_by_role("button", name="Approve post #1").click()
    assert "is approved" in review.locator(".flash").inner_text()
    volunteer.goto("/posts/1")
    history = page.locator("ol.history").inner_text()
    for step in ("Saved as a draft by val", "Changed by val: sent for approval.", f"Sent back by ada with this note: {NOTE}", "Changed by val: sent for approval again",
                 "Approved by ada"):
        assert step in history
    shots(volunteer, "post-history")
    page.get_by_role("link", name="Cancel this post").click()
    says(page, "It will not go out on outbox")
    shots(volunteer, "post-cancel")
    volunteer.close()
    admin.close()
    with sessions() as session:
        assert session.get(Post, 1).status == "scheduled"
        assert list(session.scalars(select(Delivery.status))) == ["scheduled"]


def test_an_approval_without_a_reason_shows_the_error_beside_the_box_with_the_notes_kept(
        chromium, site, project, sessions):
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Sam committed suicide last year."), created_by=PEOPLE["volunteer"])
    admin = Visitor(chromium, site.url)
    page = admin.sign_in(PEOPLE["admin"], PASSWORD)
    page.get_by_label("Why it should go out").fill("Fine")
    page.get_by_text("Send it back with a note").click()
    page.get_by_label("What should change").fill("Maybe say died by suicide")
    page.get_by_role("button", name="Approve post #1").click()
    admin.audit()
    assert "Say it in a sentence" in page.locator("#a1-override_reason-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "a1-override_reason"
    assert page.get_by_label("Why it should go out").input_value() == "Fine"
    assert page.get_by_label("What should change").input_value() == "Maybe say died by suicide"
    shots(admin, "review-approval-refused")
    admin.close()
    with sessions() as session:
        assert session.get(Post, 1).status == "pending"
