"""The storyteller's pages: consent is given by the storyteller, never filled in for them or assumed."""

import re

from sqlalchemy import update

from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Story
from recovery_voice.stories import approve_story, sign_off
from recovery_voice.worker import Worker
from web_fixtures import csrf_from, make_app, make_people, sign_in


def test_a_new_story_form_ticks_no_network_and_fills_no_end_date(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    html = client.get("/stories/new").get_data(as_text=True)
    boxes = re.findall(r"<input[^>]*name=\"networks\"[^>]*>", html)
    assert boxes and not any("checked" in box for box in boxes)
    [date] = re.findall(r"<input[^>]*name=\"consent_until\"[^>]*>", html)
    assert 'value=""' in date or "value=" not in date


# The final text, signed off by the storyteller; withdrawing only once confirmed; problems beside their fields ---------

FOOTER = "Need to talk? Call 0800 123 4567"
STORY = {"title": "Coming home", "text": "Recovery gave me my family back.", "naming": "pseudonym",
         "shown_name": "River", "networks": "outbox", "consent_until": "2099-01-01", "action": "save"}


def _with_footer(project):
    project.write_config(accounts=f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\n'
                                  f'footer = "{FOOTER}"\n')
    return project.init_db()


def _share(client, **changes) -> int:
    """Send the story form as the storyteller would; return the new story's id."""
    token = csrf_from(client.get("/stories/new").get_data(as_text=True))
    answer = client.post("/stories/new", data={**STORY, "csrf_token": token, **changes})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/final-text"), answer.get_data(True)
    return int(answer.headers["Location"].split("/")[-2])


def _sign_off_form(html: str) -> dict:
    return {name: re.search(f'name="{name}" value="([^"]*)"', html).group(1) for name in ("version", "digest")}


def test_a_storyteller_reads_the_final_text_with_the_footer_and_signs_it_off_before_an_admin_can_approve(project):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    teller, admin = sign_in(app.test_client(), "storyteller"), sign_in(app.test_client(), "admin")
    story_id = _share(teller)
    review = admin.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert "Waiting for sam to sign off the final text." in review and "Approve this story" not in review
    assert "Waiting for sam to sign off the final text: you can read it" in admin.get("/review").get_data(as_text=True)
    refused = admin.post(f"/review/stories/{story_id}/approve", follow_redirects=True,
                         data={"csrf_token": csrf_from(review), "version": "1"}).get_data(as_text=True)
    assert "Sam has not signed off the final text yet" in refused
    page = teller.get(f"/stories/{story_id}/final-text").get_data(as_text=True)
    assert f"Coming home\n\nRecovery gave me my family back.\n\n— River\n\n{FOOTER}" in page
    answer = teller.post(f"/stories/{story_id}/sign-off", data={"csrf_token": csrf_from(page), **_sign_off_form(page)},
                         follow_redirects=True).get_data(as_text=True)
    assert "you signed off your story&#39;s final text" in answer and "You signed off the final text on" in answer
    review = admin.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert "sam read and agreed the final text below on" in review
    assert "to sign off the final text" not in admin.get("/review").get_data(as_text=True)
    approved = admin.post(f"/review/stories/{story_id}/approve", data={"csrf_token": csrf_from(review), "version": "1"})
    assert approved.status_code == 302
    with sessions() as session:
        assert session.get(Story, story_id).status == "approved"


def test_a_sign_off_sent_from_a_page_opened_before_the_story_changed_is_refused_plainly(project):
    sessions = _with_footer(project)
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = _share(teller)
    page = teller.get(f"/stories/{story_id}/final-text").get_data(as_text=True)
    token = csrf_from(teller.get(f"/stories/{story_id}/edit").get_data(as_text=True))
    teller.post(f"/stories/{story_id}/edit", data={**STORY, "text": "A second version.", "csrf_token": token})
    answer = teller.post(f"/stories/{story_id}/sign-off", data={"csrf_token": csrf_from(page), **_sign_off_form(page)},
                         follow_redirects=True).get_data(as_text=True)
    assert "What will be published changed after you opened this page" in answer and "A second version." in answer
    with sessions() as session:
        assert session.get(Story, story_id).signoff is None


def test_withdrawing_asks_first_saying_what_will_happen_and_a_request_without_the_confirmation_does_nothing(project):
    sessions = _with_footer(project)
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    story_id = _share(teller)
    token = csrf_from(teller.get(f"/stories/{story_id}").get_data(as_text=True))
    unconfirmed = teller.post(f"/stories/{story_id}/withdraw", data={"csrf_token": token})
    assert unconfirmed.headers["Location"].endswith(f"/stories/{story_id}/withdraw")
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"
    page = teller.get(f"/stories/{story_id}/withdraw").get_data(as_text=True)
    assert "Your story will not be published." in page and "Yes, withdraw my story" in page
    teller.post(f"/stories/{story_id}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    with sessions() as session:
        assert session.get(Story, story_id).status == "withdrawn"


def test_the_withdraw_confirmation_names_the_posts_already_out_that_will_be_deleted(project, clock):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    teller = sign_in(app.test_client(), "storyteller")
    story_id = _share(teller)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        session.execute(update(Delivery).values(due_at=clock.now, run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()
    page = teller.get(f"/stories/{story_id}/withdraw").get_data(as_text=True)
    assert "The post already on the outbox file (outbox) will be deleted from it." in page
    assert "will not be published on" not in page


def test_the_story_forms_problems_are_worded_for_its_fields_and_linked_to_them(project):
    sessions = _with_footer(project)
    make_people(sessions)
    teller = sign_in(make_app(project, sessions).test_client(), "storyteller")
    token = csrf_from(teller.get("/stories/new").get_data(as_text=True))
    for changes, field, words in ((dict(shown_name=""), "shown_name", "Write the name you want shown, or choose"),
                                  (dict(consent_until="2001-01-01"), "consent_until", "Choose a date after today"),
                                  (dict(networks=[]), "networks", "Choose at least one place")):
        html = teller.post("/stories/new", data={**STORY, "csrf_token": token, **changes}).get_data(as_text=True)
        assert re.search(f'<a href="#{field}">[^<]*{words}', html), html
        assert re.search(f'id="{field}-error">.*{words}', html)
        [tag] = re.findall(f'<(?:input|fieldset)[^>]*id="{field}"[^>]*>', html)
        assert f'{field}-error' in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
        assert "Recovery gave me my family back.</textarea>" in html  # the words are kept


def test_a_refused_send_back_shows_its_problem_beside_the_note_with_the_typed_words_kept(project):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    story_id = _share(sign_in(app.test_client(), "storyteller"))
    admin = sign_in(app.test_client(), "admin")
    token = csrf_from(admin.get(f"/review/stories/{story_id}").get_data(as_text=True))
    answer = admin.post(f"/review/stories/{story_id}/reject", data={"csrf_token": token, "version": "1",
                                                                     "reason": "Hmm"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and re.search(r'id="reason-error">.*saying what should change', html)
    assert re.search(r"<textarea[^>]*>\s*Hmm</textarea>", html)
    assert re.search(r'<textarea[^>]*autofocus[^>]*name="reason"|<textarea[^>]*name="reason"[^>]*autofocus', html)
    stale = admin.post(f"/review/stories/{story_id}/approve", data={"csrf_token": token, "version": "1"})
    assert stale.status_code == 422 and "Sam has not signed off the final text yet" in stale.get_data(as_text=True)
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"


def test_a_volunteer_reading_a_storys_post_sees_a_storyteller_not_their_name_and_an_admin_sees_it(project, clock):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    story_id = _share(sign_in(app.test_client(), "storyteller"), naming="anonymous", shown_name="")
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        post_id = story.post_id
    volunteer = sign_in(app.test_client(), "volunteer").get(f"/posts/{post_id}").get_data(as_text=True)
    history = volunteer[volunteer.index('id="history"'):]
    assert "Made by a storyteller" in history and "sam" not in history  # the story is anonymous
    admin = sign_in(app.test_client(), "admin").get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Made by sam" in admin[admin.index('id="history"'):]


def test_the_review_queue_says_a_storys_language_check_in_words(project):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    _share(sign_in(app.test_client(), "storyteller"), text="My brother committed suicide.")
    html = sign_in(app.test_client(), "admin").get("/review").get_data(as_text=True)
    assert "Version 1; language check: Needs changing" in html and "language check: error" not in html


def test_a_shared_story_offers_no_change_and_its_change_page_says_why_before_anything_is_typed(project, clock):
    sessions = _with_footer(project)
    make_people(sessions)
    app = make_app(project, sessions)
    teller = sign_in(app.test_client(), "storyteller")
    story_id = _share(teller)
    assert "Change my story</a>" in teller.get(f"/stories/{story_id}").get_data(as_text=True)
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        session.execute(update(Delivery).values(due_at=clock.now, run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()
    page = teller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Shared" in page and "Change my story</a>" not in page and "Withdraw my story" in page
    answer = teller.get(f"/stories/{story_id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "already been shared, so it can no longer be changed" in answer and "<textarea" not in answer
