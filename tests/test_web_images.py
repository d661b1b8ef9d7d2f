"""Images in the web app: attaching them to a post or a story, bad files refused next to their field with
nothing stored, stored images carried between tries in a signed field, and the media route's role checks."""

import io
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from imagekit import SECRET_WORDS, encoded, gradient_noise, phone_photo, png_header
from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import Attachment, Post, Story, User
from recovery_voice.posts import Draft, create_post
from recovery_voice.stories import StoryDraft, submit
from recovery_voice.web.images import UPLOAD_BODY_LIMIT
from web_fixtures import PEOPLE, csrf_from, make_app, make_people, sign_in

LONG = "Our café is open every Thursday evening: come as you are, bring a friend, stay for tea. " * 5


@pytest.fixture
def app(project, sessions):
    make_people(sessions)
    return make_app(project, sessions)


def client_as(app, who):
    return sign_in(app.test_client(), who)


def stored_files(project) -> list:
    folder = project.config.media_dir
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def compose(client, *, action="queue", text="Our café is open on Thursday: come as you are.", **fields):
    """Send the free-text compose form with image fields (image-1-file given as (bytes, name))."""
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    data = {"csrf_token": token, "text": text, "accounts": "outbox", "when": "next-slot", "action": action}
    for key, value in fields.items():
        name = key.replace("_", "-")
        data[name] = (io.BytesIO(value[0]), value[1]) if name.endswith("-file") else value
    return client.post("/compose?free=1", data=data, content_type="multipart/form-data")


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).removeprefix("Error: ") if found else ""


def test_a_volunteer_attaches_a_photo_with_alt_text_and_it_is_queued_without_its_metadata(app, project, sessions):
    client = client_as(app, "volunteer")
    answer = compose(client, image_1_file=(phone_photo(), "IMG_2041.jpg"), image_1_alt="Six people round a table.",
                     image_1_people="agreed")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with sessions() as session:
        [image] = session.scalars(select(Attachment)).all()
        assert (image.post_id, image.alt, image.people, image.part, image.decorative) == (1, "Six people round a table.",
                                                                                          "agreed", 1, False)
    [name] = stored_files(project)
    stored = (project.config.media_dir / name).read_bytes()
    assert not any(word in stored for word in SECRET_WORDS)
    page = client.get("/posts/1").get_data(as_text=True)
    assert "Six people round a table." in page and f"/media/{image.digest}" in page
    served = client.get(f"/media/{image.digest}?full=1")
    assert served.status_code == 200 and served.data == stored and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("private")


BAD = {
    "not an image": (lambda: b"Minutes of the Tuesday meeting\n" * 40, "minutes.jpg", "is not an image"),
    "a lying extension": (lambda: encoded(gradient_noise(64, 64), "PNG"), "photo.jpg", "is really a PNG"),
    "truncated": (lambda: phone_photo()[:20_000], "cut.jpg", "cut short or damaged"),
    "a decompression bomb": (lambda: png_header(30_000, 30_000), "bomb.png", "decompression bomb"),
    "over 20 MB": (lambda: b"\xff\xd8\xff\xe0" + bytes(20_000_001), "huge.jpg", "over the 20 MB limit"),
    "over 50 megapixels": (lambda: png_header(10_000, 5_001), "poster.png", "over the 50-megapixel limit"),
    "an animated GIF": (lambda: encoded(Image.new("RGB", (20, 20), "red"), "GIF", save_all=True,
                                        append_images=[Image.new("RGB", (20, 20), "blue")]), "dance.gif",
                        "animated GIF"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_file_gets_its_message_next_to_its_field_and_nothing_is_stored(app, project, sessions, kind):
    make, name, words = BAD[kind]
    client = client_as(app, "volunteer")
    answer = compose(client, image_2_file=(make(), name), image_2_alt="The café's flyer.", image_2_people="none")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    message = field_error(html, "image-2-file")
    assert message.startswith(f"{name}: ") and words in message, message
    assert f'href="#image-2-file">Image 2, {name}: ' in html  # the list at the top names the image and leads to it
    assert "The café&#39;s flyer." in html  # what they wrote is kept
    assert stored_files(project) == []
    with sessions() as session:
        assert session.scalar(select(Post)) is None


def test_an_unanswered_people_question_keeps_the_stored_image_for_the_next_try(app, project, sessions):
    client = client_as(app, "volunteer")
    html = compose(client, image_1_file=(phone_photo(), "walk.jpg"), image_1_alt="A path through the woods.").get_data(
        as_text=True)
    assert "say whether anyone could be recognised" in field_error(html, "image-1-people")
    assert 'id="image-1-people-none"' in html and "checked" not in re.search(
        r'<input type="radio" id="image-1-people-none"[^>]*>', html).group(0)  # never answered for them
    [kept] = re.findall(r'name="image-1-kept" value="([^"]+)"', html)
    assert len(stored_files(project)) == 1
    answer = compose(client, image_1_kept=kept, image_1_alt="A path through the woods.", image_1_people="none")
    assert answer.status_code == 302
    with sessions() as session:
        assert session.scalar(select(Attachment.alt)) == "A path through the woods."


def test_a_tampered_guessed_or_another_persons_kept_image_is_refused(app, project, sessions):
    admin = client_as(app, "admin")
    html = compose(admin, action="check", image_1_file=(phone_photo(), "walk.jpg")).get_data(as_text=True)
    [theirs] = re.findall(r'name="image-1-kept" value="([^"]+)"', html)
    [digest] = [name.split(".")[0] for name in stored_files(project)]
    volunteer = client_as(app, "volunteer")
    for forged in (theirs, theirs[:-3] + "abc", digest):
        answer = compose(volunteer, image_1_kept=forged, image_1_alt="A path.", image_1_people="none")
        assert answer.status_code == 200
        assert "no longer have the file" in field_error(answer.get_data(as_text=True), "image-1-file")
        assert volunteer.get(f"/media/kept/{forged}").status_code == 404
    assert admin.get(f"/media/kept/{theirs}").status_code == 200
    with sessions() as session:
        assert session.scalar(select(Post)) is None


def test_alt_text_too_long_for_a_chosen_network_is_named_next_to_the_alt_field(project, sessions):
    project.write_config(accounts=f'[[accounts]]\nname = "ours"\nplatform = "outbox"\npath = "{project.outbox}"\n')
    make_people(sessions)
    client = client_as(make_app(project, sessions), "volunteer")
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    answer = client.post("/compose?free=1", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Our café is open.", "accounts": "ours", "when": "next-slot", "action": "queue",
        "image-1-file": (io.BytesIO(phone_photo()), "a.jpg"), "image-1-alt": "word " * 500, "image-1-people": "none"})
    message = field_error(answer.get_data(as_text=True), "image-1-alt")
    assert "2,500 characters" in message and "2,000" in message


def test_the_preview_puts_each_image_on_its_part_of_each_networks_thread(app, project):
    client = client_as(app, "volunteer")
    html = compose(client, action="check", text=LONG, image_1_file=(phone_photo(), "a.jpg"),
                   image_1_alt="The café's front door.", image_1_people="none",
                   image_2_file=(encoded(gradient_noise(80, 60), "PNG"), "b.png"), image_2_decorative="1",
                   image_2_people="none", image_2_part="2").get_data(as_text=True)
    preview = html[html.index('id="preview"'):]
    x_thread = preview[preview.index("On X:"):preview.index("On Mastodon:")]
    parts = x_thread.split('<li class="part">')[1:]
    assert "The café&#39;s front door." in parts[0] and "decorative" not in parts[0]
    assert "Image 2:</strong> decorative" in parts[1]
    mastodon = preview[preview.index("On Mastodon:"):preview.index("On Bluesky:")]
    assert "a thread" not in mastodon and "Image 2:</strong> decorative" in mastodon  # one part: both on it


def test_the_review_page_shows_images_and_asks_for_a_reason_when_alt_text_is_missing(app, project, sessions):
    [image] = store_new(project.config.media_dir, [NewImage(phone_photo(), "a.jpg", people="none")])
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Our café is open on Thursday.", images=[image]))
    client = client_as(app, "admin")
    html = client.get("/review").get_data(as_text=True)
    assert "Image 1 has no alt text" in html and "Why it should go out as it is" in html
    assert f"/media/{image.digest}" in html and client.get(f"/media/{image.digest}").status_code == 200


def story_with_photo(project, sessions, who="storyteller") -> tuple[int, str]:
    [photo] = store_new(project.config.media_dir, [NewImage(phone_photo(), "bench.jpg", "The bench by the river.",
                                                            people="none")])
    with transaction(sessions) as session:
        author = session.scalar(select(User).where(User.email == PEOPLE[who]))
        story = submit(session, project.config, author, StoryDraft(
            "By the river", "I sat here the day I chose recovery.", "anonymous", None, ["outbox"],
            consent_until=date(2099, 1, 1), images=[photo]))
        return story.id, photo.digest


def test_only_the_storyteller_and_admins_see_a_storys_photo_and_staff_see_a_posts_image(app, project, sessions):
    story_id, digest = story_with_photo(project, sessions)
    assert client_as(app, "storyteller").get(f"/media/{digest}").status_code == 200
    assert client_as(app, "admin").get(f"/media/{digest}").status_code == 200
    for who in ("other_storyteller", "volunteer"):
        assert client_as(app, who).get(f"/media/{digest}").status_code == 404
    assert app.test_client().get(f"/media/{digest}").status_code == 302  # not signed in: to the sign-in page
    [image] = store_new(project.config.media_dir, [NewImage(encoded(gradient_noise(90, 60), "PNG"), "b.png",
                                                            people="none")])
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Our café is open.", images=[image]))
    assert client_as(app, "volunteer").get(f"/media/{image.digest}").status_code == 200
    assert client_as(app, "storyteller").get(f"/media/{image.digest}").status_code == 404
    assert client_as(app, "admin").get("/media/" + "0" * 64).status_code == 404
    assert client_as(app, "admin").get("/media/../rv.db").status_code == 404


def test_pages_get_a_smaller_preview_variant_served_as_its_own_type(app, project, sessions):
    big = encoded(gradient_noise(3000, 2000, sigma=60), "JPEG", quality=95)
    [image] = store_new(project.config.media_dir, [NewImage(big, "big.jpg", people="none")])
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Our café is open.", images=[image]))
    served = client_as(app, "volunteer").get(f"/media/{image.digest}")
    with Image.open(io.BytesIO(served.data)) as preview:
        assert preview.width * preview.height <= 1_300_000 and served.mimetype == f"image/{preview.format.lower()}"
    assert len(served.data) <= 300_000


def test_a_storyteller_attaches_removes_and_adds_photos_and_sees_them_on_their_story(app, project, sessions):
    client = client_as(app, "storyteller")
    token = csrf_from(client.get("/stories/new").get_data(as_text=True))
    form = {"csrf_token": token, "title": "By the river", "text": "I sat here the day I chose recovery.",
            "naming": "anonymous", "networks": "outbox", "consent_until": "2099-01-01", "action": "save",
            "image-1-file": (io.BytesIO(phone_photo()), "bench.jpg"), "image-1-alt": "A bench by a river.",
            "image-1-people": "none"}
    answer = client.post("/stories/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/stories/1/final-text")  # on to read and sign off the final text
    page = client.get("/stories/1").get_data(as_text=True)
    assert "A bench by a river." in page and "Your photos" in page
    with sessions() as session:
        [first] = session.scalars(select(Attachment.digest).where(Attachment.story_id == 1)).all()

    html = client.get("/stories/1/edit").get_data(as_text=True)
    [kept] = re.findall(r'name="image-1-kept" value="([^"]+)"', html)
    assert "A bench by a river." in html
    form.update({"csrf_token": csrf_from(html), "image-1-kept": kept, "image-1-remove": "1",
                 "image-2-file": (io.BytesIO(encoded(gradient_noise(80, 60), "PNG")), "sky.png"),
                 "image-2-alt": "The sky at dawn.", "image-2-people": "none"})
    del form["image-1-file"]
    answer = client.post("/stories/1/edit", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with sessions() as session:
        rows = session.scalars(select(Attachment).where(Attachment.story_id == 1)).all()
        assert [(r.position, r.alt) for r in rows] == [(1, "The sky at dawn.")]
    assert not (project.config.media_dir / f"{first}.jpg").exists()  # the removed photo is deleted


def test_a_storyteller_editing_keeps_their_photos_when_they_change_only_the_words(app, project, sessions):
    story_id, digest = story_with_photo(project, sessions)
    client = client_as(app, "storyteller")
    html = client.get(f"/stories/{story_id}/edit").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "title": "By the river", "text": "I sat here the day I chose recovery, "
            "and again a year later.", "naming": "anonymous", "networks": "outbox", "consent_until": "2099-01-01",
            "action": "save", "image-1-alt": "The bench by the river.", "image-1-people": "none",
            "image-1-kept": re.findall(r'name="image-1-kept" value="([^"]+)"', html)[0]}
    assert client.post(f"/stories/{story_id}/edit", data=form, content_type="multipart/form-data").status_code == 302
    with sessions() as session:
        assert session.scalars(select(Attachment.digest).where(Attachment.story_id == story_id)).all() == [digest]
        assert "a year later" in session.get(Story, story_id).text


def test_forms_with_images_take_four_large_files_but_refuse_more_with_a_clear_page(app):
    client = client_as(app, "volunteer")
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    too_big = client.post("/compose?free=1", data=b"x", content_type="multipart/form-data; boundary=x",
                          environ_overrides={"CONTENT_LENGTH": str(UPLOAD_BODY_LIMIT + 1)},
                          headers={"X-CSRFToken": token})
    assert too_big.status_code == 413 and "images were too big" in too_big.get_data(as_text=True)
    elsewhere = client.post("/account/password", data={"csrf_token": token, "current": "x" * 300_000})
    assert elsewhere.status_code == 413 and "make the text shorter" in elsewhere.get_data(as_text=True)
    # 20 MB, the most one image may be, passes the body limit and is judged as an image.
    answer = compose(client, image_1_file=(b"\xff\xd8\xff\xe0" + bytes(19_999_996), "big.jpg"), image_1_people="none")
    assert answer.status_code == 200 and "cut short or damaged" in field_error(answer.get_data(as_text=True),
                                                                               "image-1-file")


def test_a_decorative_image_with_alt_text_is_sent_back_to_choose_one(app, project):
    client = client_as(app, "volunteer")
    html = compose(client, image_1_file=(phone_photo(), "a.jpg"), image_1_alt="A flyer.", image_1_decorative="1",
                   image_1_people="none").get_data(as_text=True)
    assert "marked decorative but has alt text" in field_error(html, "image-1-alt")


def test_the_post_page_shows_a_link_card_or_says_bluesky_will_show_a_plain_link(app, project, sessions):
    [thumb] = store_new(project.config.media_dir, [NewImage(encoded(gradient_noise(120, 63), "PNG"), "t.png",
                                                            people="none")])
    with transaction(sessions) as session:
        for text in ("Our café: https://example.org/cafe", "Our walk: https://example.org/walk"):
            create_post(session, project.config, Draft(text=text))
        session.get(Post, 1).link_card = {"uri": "https://example.org/cafe", "title": "The Recovery Café",
                                          "description": "Tea and company, Thursdays.", "thumb": thumb.digest}
        session.get(Post, 2).link_card = {"uri": "https://example.org/walk", "problem": "the page took too long"}
    client = client_as(app, "volunteer")
    card = client.get("/posts/1").get_data(as_text=True)
    assert "The Recovery Café" in card and "Tea and company, Thursdays." in card and "/media/card/1" in card
    assert client.get("/media/card/1").status_code == 200 and client.get("/media/card/2").status_code == 404
    plain = client.get("/posts/2").get_data(as_text=True)
    assert "The page took too long. Bluesky will show a plain link." in plain
    assert client_as(app, "storyteller").get("/media/card/1").status_code == 403


def test_alt_text_is_language_checked_in_the_form_and_its_findings_reach_the_review_page(app, project):
    volunteer = client_as(app, "volunteer")
    alt = "A junkie asleep on a bench."
    html = compose(volunteer, action="check", image_1_file=(phone_photo(), "a.jpg"), image_1_alt=alt,
                   image_1_people="none").get_data(as_text=True)
    box = html[html.index('id="image-1-alt-findings"'):]
    words = " ".join(re.sub(r"<[^>]+>", " ", box[:box.index("</div>")]).split())
    assert "Needs changing “A junkie”" in words
    assert "Alt text check" in html[html.index('id="preview"'):]
    assert compose(volunteer, image_1_file=(phone_photo(), "a.jpg"), image_1_alt=alt,
                   image_1_people="none").status_code == 302
    review = client_as(app, "admin").get("/review").get_data(as_text=True)
    card = review[review.index('id="post-1"'):]
    assert "Needs changing" in card and "Why it should go out as it is" in card
