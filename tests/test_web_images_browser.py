"""Images in a real Chromium: a volunteer attaches two, sees them in the preview, the admin sees them in review;
a storyteller attaches a photo to a story. Axe checks every page; screenshots at phone and desktop width go to
the folder RV_SCREENSHOTS names, for a person to look at."""

from sqlalchemy import select

from browser import Visitor, shots
from conftest import sqlite_only
from imagekit import encoded, phone_photo, screenshot
from recovery_voice.models import Attachment, Story
from web_fixtures import PASSWORD, PEOPLE


def give_consent(page) -> None:
    """Tick the outbox and choose an end date: a new story's form starts with neither."""
    page.get_by_label("outbox (outbox)").check()
    page.get_by_label("You agree we may share it until").fill("2099-01-01")


# The browser flow is the same on either database; test_web_images covers both.
pytestmark = sqlite_only


def images_loaded(page) -> list[int]:
    """The natural width of every image on the page (0 for one that did not load), each scrolled to first."""
    for image in page.locator("main img").all():
        image.scroll_into_view_if_needed()  # lazy images load only near the screen
    try:
        page.wait_for_function("Array.from(document.querySelectorAll('main img')).every(i => i.complete)",
                               timeout=10_000)
    finally:
        page.evaluate("window.scrollTo(0, 0)")
    return page.eval_on_selector_all("main img", "images => images.map(i => i.naturalWidth)")


def attach(page, position: int, data: bytes, name: str, mime: str) -> None:
    page.locator(f"#image-{position}-file").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def test_a_volunteer_attaches_two_images_sees_them_in_the_preview_and_the_admin_sees_them_in_review(
        chromium, site, sessions):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    visitor.goto("/compose?free=1")
    page.get_by_label("Your post").fill("Our café is open on Thursday from 7pm: come as you are, bring a friend.")
    attach(page, 1, phone_photo(), "IMG_2041.jpg", "image/jpeg")
    page.get_by_label("Alt text for image 1").fill("Six people laughing round a table with mugs of tea.")
    page.locator("#image-1-people-agreed").check()
    assert "51 of 2,000 characters" in page.locator("#image-1-alt-count").inner_text()  # counted as they type
    page.get_by_text("Image 2", exact=True).click()  # open the second slot
    attach(page, 2, encoded(screenshot(1280, 720), "PNG"), "flyer.png", "image/png")
    page.get_by_label("Alt text for image 2").fill("Flyer: Recovery Café, Thursdays 7pm, all welcome.")
    page.locator("#image-2-people-none").check()
    page.get_by_role("button", name="Check and preview").click()
    visitor.audit()
    preview = page.locator("#preview")
    assert "Six people laughing round a table" in preview.inner_text()
    assert "Flyer: Recovery Café, Thursdays 7pm" in preview.inner_text()
    assert all(width > 0 for width in images_loaded(page)) and len(images_loaded(page)) >= 4
    assert page.locator("input[name=image-1-kept]").count() == 1  # stored: no need to attach them again
    shots(visitor, "compose-with-images")
    page.get_by_role("button", name="Queue this post").click()
    visitor.audit()
    assert "Waiting for approval" in page.get_by_role("heading", level=1).inner_text()
    shots(visitor, "post-with-images")
    visitor.close()
    with sessions() as session:
        assert [(a.position, a.people) for a in session.scalars(select(Attachment))] == [(1, "agreed"), (2, "none")]

    admin = Visitor(chromium, site.url)
    page = admin.sign_in(PEOPLE["admin"], PASSWORD)
    assert page.get_by_role("heading", name="Waiting for your review").is_visible()
    card = page.locator("#post-1")
    assert "Six people laughing round a table" in card.inner_text() and "Flyer: Recovery Café" in card.inner_text()
    assert images_loaded(page) and all(width > 0 for width in images_loaded(page))
    shots(admin, "review-with-images")
    admin.close()


def test_a_storyteller_attaches_a_photo_to_their_story_and_sees_it_there(chromium, site, sessions):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    visitor.goto("/stories/new")
    page.get_by_label("Title").fill("By the river")
    page.get_by_label("Your story").fill("I sat on this bench the day I chose recovery. I still go back.")
    page.get_by_label("Anonymous: no name at all").check()
    give_consent(page)
    attach(page, 1, phone_photo(), "bench.jpg", "image/jpeg")
    page.get_by_label("Alt text for photo 1").fill("A wooden bench by a wide, slow river at dusk.")
    page.locator("#image-1-people-none").check()
    shots(visitor, "story-form")
    page.get_by_role("button", name="Send my story for approval").click()
    visitor.audit()  # the final text to sign off (test_web_stories_browser.py), then the story's own page
    page.get_by_role("link", name="Back to my story").click()
    visitor.audit()
    assert page.get_by_role("heading", name="Your photos").is_visible()
    assert "A wooden bench by a wide, slow river" in page.content()
    assert images_loaded(page) == [images_loaded(page)[0]] and images_loaded(page)[0] > 0
    shots(visitor, "story-with-photo")
    visitor.close()
    with sessions() as session:
        story = session.scalar(select(Story))
        [photo] = session.scalars(select(Attachment).where(Attachment.story_id == story.id))
        assert photo.alt == "A wooden bench by a wide, slow river at dusk."

    admin = Visitor(chromium, site.url)
    admin.sign_in(PEOPLE["admin"], PASSWORD)
    page = admin.goto(f"/review/stories/{story.id}")
    assert "A wooden bench by a wide, slow river" in page.content() and images_loaded(page)[0] > 0
    shots(admin, "review-story-photo")
    admin.close()
