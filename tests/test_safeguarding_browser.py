"""A storyteller whose words suggest they may be at risk now sees where to get support at once, in a real Chromium
with axe at phone and desktop width (screenshots in RV_SCREENSHOTS when set); then what could identify them,
who has seen their story, and the admin's side: the review page and the safeguarding lead on People."""

import pytest
from sqlalchemy import select

from browser import Visitor, shots, says
from recovery_voice.models import Story, User
from conftest import sqlite_only
from test_web_images_browser import give_consent
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app, make_people

pytestmark = sqlite_only  # test_safeguarding has both
CONTACT = "Brighter Days support team: call 0800 123 4567, weekdays 9 to 5"
WORDS = ("I have tried so hard this year. I don't want to be here anymore. Tonight I'm going to end it. "
         "My sponsor Dave doesn't know.")


@pytest.fixture
def site(project):
    """The app for an organisation with its own support contact (no worker: the email test is elsewhere)."""
    project.write_config(f'[care]\nsupport_contact = "{CONTACT}"\n')
    sessions = project.init_db()
    make_people(sessions)
    server = LiveServer(make_app(project, sessions))
    yield server, sessions
    server.close()


def test_a_storyteller_in_crisis_sees_the_support_page_at_once_and_an_admin_sees_what_to_do(chromium, site):
    server, sessions = site
    visitor = Visitor(chromium, server.url)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    visitor.goto("/stories/new")
    page.get_by_label("Title").fill("Where I am")
    page.get_by_label("Your story").fill(WORDS)
    page.get_by_label("My first name only").check()
    page.get_by_label("The name to show").fill("Sam")
    give_consent(page)
    page.get_by_role("button", name="Send my story for approval").click()
    shots(visitor, "support-page")
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for sharing this"
    lines = page.locator(".support-lines li")
    assert CONTACT.split(":")[0] in lines.first.inner_text()
    assert page.get_by_role("link", name="0800 123 4567").get_attribute("href") == "tel:08001234567"
    assert page.get_by_role("link", name="116 123").get_attribute("href") == "tel:116123"
    main = page.locator("main").inner_text().lower()
    assert "nobody will publish anything without you" in main
    assert not any(word in main for word in ("flag", "crisis", "risk"))
    with sessions() as session:
        story = session.scalar(select(Story))
        assert story.status == "pending"

    page.get_by_role("link", name="Read your story as it will be published").click()
    visitor.audit()
    assert page.locator("#spot-0").is_visible()
    shots(visitor, "support-final-text-identifiers")

    admin = Visitor(chromium, server.url)
    admin.sign_in(PEOPLE["admin"], PASSWORD)
    review = admin.goto(f"/review/stories/{story.id}")
    assert "may be struggling right now" in review.locator("#care-notice").inner_text()
    assert "ada (admin)" in review.locator("table.seen").inner_text()
    shots(admin, "support-review")
    people = admin.goto("/users")
    assert people.locator("#no-lead").is_visible()
    people.get_by_role("button", name=f"Make safeguarding lead for {PEOPLE['admin']}").click()
    admin.audit()
    says(people, "is now a safeguarding lead")
    assert people.locator("#no-lead").count() == 0
    shots(admin, "support-people")
    admin.close()
    with sessions() as session:
        assert session.scalar(select(User.safeguarding_lead).where(User.email == PEOPLE["admin"]))

    visitor.goto(f"/stories/{story.id}")
    assert page.locator("#seen-by").inner_text() == "Seen by 1 person at Test Recovery Community: ada (admin)."
    shots(visitor, "support-story-seen-by")
    visitor.close()
