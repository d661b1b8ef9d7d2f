"""Anonymity that holds, on the web: what in a story (and its photos' alt text) could help someone recognise the
storyteller or someone they name is shown gently on their pages, each with a change they can accept (a new
version, checked again), and admins see the same in review as things to check with the storyteller."""

import re
from datetime import date

from sqlalchemy import select

from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import PEOPLE_NONE, Attachment, Story, User
from recovery_voice.stories import StoryDraft, submit
from imagekit import phone_photo
from web_fixtures import csrf_from, make_app, make_people, sign_in

TEXT = "Ring me on 07700 900123 if you want to talk. My sponsor Dave still calls every Sunday."
FORM = {"title": "Sundays", "text": TEXT, "naming": "pseudonym", "shown_name": "River", "networks": "outbox",
        "consent_until": "2099-01-01", "action": "save"}


def share(client, **changes) -> int:
    """Send the story form as the storyteller would; return the new story's id."""
    token = csrf_from(client.get("/stories/new").get_data(as_text=True))
    answer = client.post("/stories/new", data={**FORM, "csrf_token": token, **changes})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].split("/")[-2])


def buttons(html: str) -> dict[str, str]:
    """The redaction buttons of a page: the words they would put in, by the index they send."""
    return {index: words for index, words in re.findall(
        r'name="index" value="(\d+)">.*?Change it to “([^”]*)”', html, re.S)}


def test_after_sending_a_story_each_identifier_is_shown_gently_with_a_change_to_accept(project, sessions):
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = share(teller)
    final = teller.get(f"/stories/{story_id}/final-text").get_data(as_text=True)
    assert "Could someone recognise you?" in final
    assert "This could help someone recognise you: “<strong>07700 900123</strong>”, a phone number in your story" \
        in final
    assert re.search(r"This names someone, which could help people recognise them \(or you\): “<strong>[^<]*Dave", final)
    assert "[phone number]" in buttons(final).values()
    story_page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert buttons(story_page) == buttons(final)


def test_accepting_a_change_makes_a_new_version_checked_again_and_shows_the_result(project, sessions):
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = share(teller)
    page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    [phone] = [index for index, words in buttons(page).items() if words == "[phone number]"]
    answer = teller.post(f"/stories/{story_id}/redact", follow_redirects=True,
                         data={"csrf_token": csrf_from(page), "index": phone, "version": "1", "back": "show"})
    shown = answer.get_data(as_text=True)
    assert "Changed: “07700 900123” is now “[phone number]”" in shown and "This is a new version" in shown
    with sessions() as session:
        story = session.get(Story, story_id)
        assert story.version == 2 and "07700 900123" not in story.text and "[phone number]" in story.text
    [words] = re.findall(r'<div class="story-text">(.*?)</div>', shown, re.S)
    assert "07700 900123" not in words and "[phone number]" in words
    assert "[phone number]" not in buttons(shown).values()  # the new version was checked again


def test_a_change_sent_from_a_page_opened_before_the_story_changed_is_refused_and_nothing_changes(project, sessions):
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = share(teller)
    page = teller.get(f"/stories/{story_id}/final-text").get_data(as_text=True)
    token = csrf_from(page)
    teller.post(f"/stories/{story_id}/edit", data={**FORM, "text": TEXT + " Thank you.", "csrf_token": token})
    answer = teller.post(f"/stories/{story_id}/redact", follow_redirects=True,
                         data={"csrf_token": token, "index": "0", "version": "1", "back": "final"})
    assert "Your story changed after you opened this page" in answer.get_data(as_text=True)
    assert answer.request.path == f"/stories/{story_id}/final-text"
    with sessions() as session:
        assert session.get(Story, story_id).text == TEXT + " Thank you."


def test_without_the_token_or_as_someone_else_no_change_is_made(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    teller = sign_in(app.test_client(), "storyteller")
    story_id = share(teller)
    teller.post(f"/stories/{story_id}/redact", data={"index": "0", "version": "1"})
    other = sign_in(app.test_client(), "other_storyteller")
    token = csrf_from(other.get("/stories").get_data(as_text=True))
    assert other.post(f"/stories/{story_id}/redact", data={"csrf_token": token, "index": "0",
                                                           "version": "1"}).status_code == 404
    with sessions() as session:
        assert session.get(Story, story_id).version == 1


def test_a_photos_alt_text_is_checked_too_and_its_change_edits_only_that_alt_text(project, sessions):
    ids = make_people(sessions)
    [photo] = store_new(project.config.media_dir, [NewImage(phone_photo(), "door.jpg", people=PEOPLE_NONE,
                                                            alt="The blue front door of 14 Mill Lane in the rain.")])
    with transaction(sessions) as session:
        draft = StoryDraft("Home", "I found my way home.", "pseudonym", "River", ["outbox"], date(2099, 1, 1),
                           images=[photo])
        story_id = submit(session, project.config, session.get(User, ids["storyteller"]), draft).id
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "in the description of photo 1" in page
    [index] = buttons(page)
    teller.post(f"/stories/{story_id}/redact", data={"csrf_token": csrf_from(page), "index": index, "version": "1"})
    with sessions() as session:
        story = session.get(Story, story_id)
        assert story.version == 2 and story.text == "I found my way home."
        [alt] = session.scalars(select(Attachment.alt).where(Attachment.story_id == story_id))
    assert "Mill Lane" not in alt and alt.startswith("The blue front door of")


def test_a_storyteller_named_by_their_own_name_who_names_a_fellowship_gets_the_gentle_note(project, sessions):
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = share(teller, text="I have been going to AA for two years now.", naming="own_name",
                     shown_name="Sam Smith")
    page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "You are sharing this under your own name, and it mentions AA" in page
    pseudonym = share(teller, text="I have been going to AA for two years now.")
    assert "under your own name" not in teller.get(f"/stories/{pseudonym}").get_data(as_text=True)


def test_admins_see_the_identifiers_in_review_as_things_to_check_with_the_storyteller(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    story_id = share(sign_in(app.test_client(), "storyteller"))
    review = sign_in(app.test_client(), "admin").get(f"/review/stories/{story_id}").get_data(as_text=True)
    block = review[review.index("Could someone be recognised? Check with sam"):]
    assert "“07700 900123” (phone, in the story): suggested “[phone number]”" in block
    assert "Dave" in block


def test_words_said_several_times_are_one_choice_and_one_change_changes_each_of_them(project, sessions):
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = share(teller, text="Call 07700 900123 any time. I mean it: 07700 900123, day or night.")
    page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "(2 times: a change changes each of them)" in page
    [(index, words)] = buttons(page).items()
    teller.post(f"/stories/{story_id}/redact", data={"csrf_token": csrf_from(page), "index": index, "version": "1"})
    with sessions() as session:
        text = session.get(Story, story_id).text
    assert "07700" not in text and text.count(words) == 2
