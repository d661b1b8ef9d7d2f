"""A storyteller signs off the final text of their story and later withdraws it, confirming first, in a real Chromium
with axe at phone and desktop width (screenshots in RV_SCREENSHOTS when set)."""

import pytest
from sqlalchemy import select

from browser import Visitor, shots, says
from recovery_voice.models import LogEntry, Story
from conftest import sqlite_only
from test_web_images_browser import give_consent
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app, make_people

pytestmark = sqlite_only  # test_web_stories has both
FOOTER = "Need to talk? Call 0800 123 4567"
WORDS = " ".join(["The first winter I came to the café I said nothing for a month, and nobody minded."] * 7)


@pytest.fixture
def site(project):
    """The app (no worker: nothing here is due) for an outbox with a footer and a Mastodon account."""
    project.write_config(accounts=f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\n'
                                  f'footer = "{FOOTER}"\n[[accounts]]\nname = "mastodon"\nplatform = "mastodon"\n'
                                  'base_url = "http://127.0.0.1:9"\naccess_token_env = "RV_UNUSED"\n')
    sessions = project.init_db()
    make_people(sessions)
    server = LiveServer(make_app(project, sessions))
    yield server, sessions
    server.close()


def test_a_storyteller_signs_off_the_final_text_and_then_withdraws_with_confirmation(chromium, site):
    server, sessions = site
    visitor = Visitor(chromium, server.url)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    visitor.goto("/stories/new")
    page.get_by_label("Title").fill("The café")
    page.get_by_label("Your story").fill(WORDS)
    page.get_by_label("A name I choose (pseudonym)").check()
    page.get_by_label("The name to show").fill("River")
    give_consent(page)
    page.get_by_label("mastodon (mastodon)").check()
    page.get_by_label("Content warning (optional)").fill("mentions drinking")
    page.get_by_role("button", name="Send my story for approval").click()
    shots(visitor, "story-final-text")
    mastodon = page.locator("section.final-text", has_text="On Mastodon")
    count = mastodon.locator("li.part").count()
    assert count > 1 and f"A thread of {count} posts" in mastodon.inner_text()
    assert "content warning “mentions drinking”" in mastodon.inner_text()
    assert FOOTER in page.locator("section.final-text", has_text="outbox file").inner_text()
    page.get_by_role("button", name="I agree: publish exactly this").click()
    shots(visitor, "story-signed-off")
    says(page, "You signed off the final text on", "Waiting for approval")

    admin = Visitor(chromium, server.url)
    admin.sign_in(PEOPLE["admin"], PASSWORD)
    with sessions() as session:
        story_id = session.scalar(select(Story.id))
    review = admin.goto(f"/review/stories/{story_id}")
    assert "sam read and agreed the final text below" in review.locator("#signoff-state").inner_text()
    shots(admin, "story-review-signed-off")
    admin.close()

    page.get_by_role("link", name="Withdraw my story").click()
    shots(visitor, "story-withdraw-confirm")
    assert "Your story will not be published." in page.locator(".outcome").inner_text()
    page.get_by_role("link", name="No, keep it").click()
    visitor.audit()
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"
    page.get_by_role("link", name="Withdraw my story").click()
    page.get_by_role("button", name="Yes, withdraw my story").click()
    visitor.audit()
    says(page, "You withdrew this story")
    with sessions() as session:
        assert session.get(Story, story_id).status == "withdrawn"
        assert session.scalar(select(LogEntry.event).where(LogEntry.event == "story_signed_off"))
    visitor.close()
