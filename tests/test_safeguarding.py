"""The safety net: a storyteller whose words suggest they may be at risk now sees where to get support at once,
and the safeguarding leads are emailed straight away (through the outbox and the worker, to a real SMTP server
on loopback), once per version; the story is queued as any other, never rejected."""

import re
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, select

from recovery_voice import emails, safeguarding
from recovery_voice.care import crisis
from recovery_voice.db import transaction
from recovery_voice.models import Email, LogEntry, Story, User
from recovery_voice.stories import StoryDraft, edit, submit, withdraw
from recovery_voice.worker import Worker
from web_fixtures import PEOPLE, csrf_from, make_app, password_hash, sign_in

CRISIS = "I don't want to be here anymore. Tonight I'm going to end it."
RECOVERY = "Three years ago I tried to end my life. Today I run the Tuesday group and I love it."
CONTACT = "Brighter Days support team: call 0800 123 4567 or email care@brighterdays.org, weekdays 9 to 5"
LEAD = "jo@example.org"
LINK = re.compile(r"http://rv\.test(/\S*)")


def draft(text: str = CRISIS, **changes) -> StoryDraft:
    """A storyteller's story for the outbox account."""
    values = dict(title="Where I am", text=text, naming="first_name", shown_name="Sam", networks=["outbox"],
                  consent_until=date(2099, 1, 1))
    return StoryDraft(**{**values, **changes})


def add_admin(sessions, email: str = LEAD, lead: bool = True) -> int:
    """A second admin (Jo), marked as a safeguarding lead unless told otherwise."""
    with transaction(sessions) as session:
        user = User(email=email, display_name="jo", session_generation=0, password_hash=password_hash(),
                    role="admin", safeguarding_lead=lead)
        session.add(user)
        session.flush()
        return user.id


def share(sessions, config, ids, text: str = CRISIS, now=None) -> int:
    """The storyteller submits a story; return its id."""
    with transaction(sessions) as session:
        return submit(session, config, session.get(User, ids["storyteller"]), draft(text), now=now).id


def safeguarding_emails(received) -> list:
    """The safeguarding emails among those received."""
    return [r for r in received if r.message["Subject"].startswith("A storyteller may need support now")]


def test_the_safeguarding_lead_is_emailed_at_once_with_the_story_and_how_to_reach_its_storyteller(mailing, smtp):
    project, sessions, ids = mailing
    add_admin(sessions)
    story_id = share(sessions, project.config, ids)
    Worker(project.config, sessions).run_due()
    received = smtp.wait_for(3)  # the lead's safeguarding email, and each admin's "waiting for review"
    [told] = safeguarding_emails(received)
    assert told.recipients == [LEAD]
    assert told.message["Subject"] == 'A storyteller may need support now: "Where I am"'
    assert "sam has just shared a story" in told.text and f"email address: {PEOPLE['storyteller']}" in told.text
    assert CRISIS in told.text and "What to do:" in told.text and "call the emergency services" in told.text
    for reason in crisis.reasons(CRISIS):  # the part of the story that worried the check
        assert reason in told.text
    assert LINK.search(told.text.split("Read the whole story")[1]).group(1) == f"/review/stories/{story_id}"
    assert "you are a safeguarding lead" in told.text and "no safeguarding lead is set" not in told.text
    assert "always sent at once" in told.text
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"  # queued as usual, never rejected
        assert session.scalar(select(LogEntry.reason).where(LogEntry.event == "safeguarding_alert")) == \
            f"story {story_id} version 1: 1 safeguarding leads emailed"


def test_the_lead_is_told_straight_away_in_their_quiet_hours_and_with_a_daily_summary_or_no_emails_chosen(
        mailing, smtp, clock):
    project, sessions, ids = mailing
    lead = add_admin(sessions)
    other = add_admin(sessions, "kim@example.org")
    clock.now = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)  # 06:00 in London: quiet, and before the summary
    with transaction(sessions) as session:
        emails.save_choices(session, lead, emails.Choices("digest", time(22, 0), time(7, 0)))
        emails.save_choices(session, other, emails.Choices("off"))
    share(sessions, project.config, ids, now=clock.now)
    Worker(project.config, sessions, clock).run_due()
    received = smtp.wait_for(3)
    assert sorted(r.recipients[0] for r in safeguarding_emails(received)) == ["jo@example.org", "kim@example.org"]
    with sessions() as session:  # the lead's "waiting for review" waits for their summary, as they chose
        assert session.scalar(select(Email.status).where(Email.user_id == lead, Email.kind == "review_waiting")) \
            == "held"


def test_only_the_leads_are_told_and_with_no_lead_every_admin_is(mailing, smtp):
    project, sessions, ids = mailing
    add_admin(sessions, lead=False)
    share(sessions, project.config, ids)
    Worker(project.config, sessions).run_due()
    told = safeguarding_emails(smtp.wait_for(4))
    assert sorted(r.recipients[0] for r in told) == [PEOPLE["admin"], LEAD]
    assert all("no safeguarding lead is set" in r.text for r in told)
    with transaction(sessions) as session:
        safeguarding.set_lead(session, session.scalar(select(User.id).where(User.email == LEAD)), True,
                              session.get(User, ids["admin"]))
    share(sessions, project.config, ids)
    Worker(project.config, sessions).run_due()
    later = safeguarding_emails(smtp.wait_for(7))[2:]
    assert [r.recipients for r in later] == [[LEAD]]


def test_the_leads_are_told_once_per_version_not_again_when_the_story_is_read(mailing, smtp):
    project, sessions, ids = mailing
    add_admin(sessions)
    story_id = share(sessions, project.config, ids)
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    for _ in range(2):
        assert admin.get(f"/review/stories/{story_id}").status_code == 200
    Worker(project.config, sessions).run_due()
    assert len(safeguarding_emails(smtp.wait_for(3))) == 1
    with transaction(sessions) as session:
        assert safeguarding.after_save(session, project.config, session.get(Story, story_id)) == 0
    # Told again only when a version in crisis follows one that was not: a redaction tells them nothing new.
    for version, text in ((2, CRISIS + " I'm sorry."), (3, RECOVERY), (4, CRISIS)):
        with transaction(sessions) as session:
            edit(session, project.config, session.get(Story, story_id), None, draft(text))
    Worker(project.config, sessions).run_due()
    told = safeguarding_emails(smtp.wait_for(4))
    assert len(told) == 2 and "changed their story (version 4)" in told[1].text
    with sessions() as session:
        assert session.scalar(select(func.count(LogEntry.id)).where(LogEntry.event == "safeguarding_alert")) == 2


def test_accepting_a_redaction_on_a_story_in_crisis_does_not_tell_the_lead_again(mailing, smtp):
    from recovery_voice import anonymity

    project, sessions, ids = mailing
    add_admin(sessions)
    story_id = share(sessions, project.config, ids, CRISIS + " Ring me on 07700 900123.")
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        found = anonymity.spots(session, project.config, story)
        [index] = [n for n, spot in enumerate(found) if spot.kind == "phone"]
        anonymity.redact(session, project.config, story, index, story.version)
    with sessions() as session:
        story = session.get(Story, story_id)
        assert story.version == 2 and "07700 900123" not in story.text and story.care["crisis"]
    Worker(project.config, sessions).run_due()
    received = smtp.wait_for(3)  # the lead's one alert, and each admin's "waiting for review"
    assert len(received) == 3 and len(safeguarding_emails(received)) == 1


def test_when_a_storyteller_withdraws_a_story_in_crisis_the_lead_is_still_told_without_its_words(mailing, smtp):
    project, sessions, ids = mailing
    add_admin(sessions)
    story_id = share(sessions, project.config, ids)
    with transaction(sessions) as session:  # before the worker sent the first alert, which goes with the words
        withdraw(session, session.get(Story, story_id), None, media_dir=project.config.media_dir)
    Worker(project.config, sessions).run_due()
    received = smtp.wait_for(1)
    [told] = [r for r in received if r.recipients == [LEAD]]
    assert told.message["Subject"] == "A storyteller who may need support has withdrawn their story"
    assert "sam has withdrawn a story" in told.text and f"email address: {PEOPLE['storyteller']}" in told.text
    assert "please still reach out" in told.text and "always sent at once" in told.text
    assert CRISIS not in told.text and "Where I am" not in told.text
    for reason in crisis.reasons(CRISIS):
        assert reason not in told.text
    with sessions() as session:
        assert session.get(Story, story_id).care["identifiers"] == []


def test_a_story_about_a_past_crisis_told_as_recovery_tells_nobody(mailing, smtp):
    project, sessions, ids = mailing
    add_admin(sessions)
    share(sessions, project.config, ids, RECOVERY)
    Worker(project.config, sessions).run_due()
    received = smtp.wait_for(2)
    assert len(received) == 2 and safeguarding_emails(received) == []
    with sessions() as session:
        assert session.scalar(select(LogEntry.id).where(LogEntry.event == "safeguarding_alert")) is None


# The storyteller's side: the support page, at once --------------------------------------------------------------

STORY_FORM = {"title": "Where I am", "text": CRISIS, "naming": "first_name", "shown_name": "Sam",
              "networks": "outbox", "consent_until": "2099-01-01", "action": "save"}


@pytest.fixture
def app(project):
    """The web app for an organisation that set its own support contact, with one person per role and a lead."""
    from web_fixtures import make_people

    project.write_config(f'[care]\nsupport_contact = "{CONTACT}"\n')
    sessions = project.init_db()
    make_people(sessions)
    add_admin(sessions)
    return make_app(project, sessions), sessions


def test_after_sending_a_story_in_crisis_the_next_page_is_support_with_the_organisations_contact_first(app):
    app, sessions = app
    teller = sign_in(app.test_client(), "storyteller")
    token = csrf_from(teller.get("/stories/new").get_data(as_text=True))
    answer = teller.post("/stories/new", data={**STORY_FORM, "csrf_token": token})
    with sessions() as session:
        story = session.scalar(select(Story))
        assert story.status == "pending"
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/stories/{story.id}/support")
    page = teller.get(answer.headers["Location"]).get_data(as_text=True)
    main = page[page.index("<main"):]
    assert "Thank you for sharing this" in main and "things may be really hard for you right now" in main
    assert main.index("Brighter Days support team") < main.index("Samaritans")
    assert 'href="tel:08001234567"' in main and 'href="tel:116123"' in main and 'href="sms:85258"' in main
    assert 'href="mailto:care@brighterdays.org"' in main
    assert "is saved" in main and "Nobody will publish anything without you" in main
    words = re.sub(r"<[^>]+>", " ", main).lower()
    assert not re.search(r"flag|crisis|risk", words)
    assert f"/stories/{story.id}/final-text" in main  # they go on to read and sign off when ready


def test_a_story_that_is_not_in_crisis_goes_straight_on_to_its_final_text(app):
    app, _ = app
    teller = sign_in(app.test_client(), "storyteller")
    token = csrf_from(teller.get("/stories/new").get_data(as_text=True))
    answer = teller.post("/stories/new", data={**STORY_FORM, "text": RECOVERY, "csrf_token": token})
    assert answer.headers["Location"].endswith("/final-text")


def test_changing_a_story_into_words_of_crisis_shows_the_support_page_too(app):
    app, sessions = app
    teller = sign_in(app.test_client(), "storyteller")
    token = csrf_from(teller.get("/stories/new").get_data(as_text=True))
    first = teller.post("/stories/new", data={**STORY_FORM, "text": RECOVERY, "csrf_token": token})
    story_id = int(first.headers["Location"].split("/")[-2])
    changed = teller.post(f"/stories/{story_id}/edit", data={**STORY_FORM, "csrf_token": token})
    assert changed.headers["Location"].endswith(f"/stories/{story_id}/support")


# The lead mark on the People page ------------------------------------------------------------------------------

def lead_ids(sessions) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(User.id).where(User.safeguarding_lead.is_(True)).order_by(User.id)))


def test_only_admins_can_be_leads_the_mark_is_logged_and_goes_when_their_role_changes(app):
    app, sessions = app
    admin = sign_in(app.test_client(), "admin")
    with sessions() as session:
        jo, val = (session.scalar(select(User.id).where(User.email == e)) for e in (LEAD, PEOPLE["volunteer"]))
        ada = session.scalar(select(User.id).where(User.email == PEOPLE["admin"]))
    token = csrf_from(admin.get("/users").get_data(as_text=True))
    refused = admin.post(f"/users/{val}/safeguarding", data={"csrf_token": token, "lead": "yes"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Only admins can be safeguarding leads" in refused and lead_ids(sessions) == [jo]
    admin.post(f"/users/{ada}/safeguarding", data={"lead": "yes"})  # no CSRF token: nothing changes
    assert lead_ids(sessions) == [jo]
    done = admin.post(f"/users/{ada}/safeguarding", data={"csrf_token": token, "lead": "yes"}, follow_redirects=True)
    assert "is now a safeguarding lead" in done.get_data(as_text=True) and lead_ids(sessions) == [ada, jo]
    admin.post(f"/users/{jo}/role", data={"csrf_token": token, "u%d-role" % jo: "volunteer"})
    assert lead_ids(sessions) == [ada]
    with sessions() as session:
        events = list(session.execute(select(LogEntry.event, LogEntry.reason)
                                      .where(LogEntry.event.like("safeguarding_lead%")).order_by(LogEntry.id)))
    assert events == [("safeguarding_lead_set", f"user {ada}"),
                      ("safeguarding_lead_cleared", f"user {jo}: no longer an admin")]


def test_the_people_page_says_when_no_lead_is_set_and_others_cannot_set_one(app):
    app, sessions = app
    admin = sign_in(app.test_client(), "admin")
    assert 'id="no-lead"' not in admin.get("/users").get_data(as_text=True)
    with sessions() as session:
        jo = session.scalar(select(User.id).where(User.email == LEAD))
    token = csrf_from(admin.get("/users").get_data(as_text=True))
    admin.post(f"/users/{jo}/safeguarding", data={"csrf_token": token, "lead": "no"})
    assert "No safeguarding lead is set." in admin.get("/users").get_data(as_text=True)
    for who in ("volunteer", "storyteller"):
        other = sign_in(app.test_client(), who)
        page_token = csrf_from(other.get("/account/email").get_data(as_text=True))
        assert other.post(f"/users/{jo}/safeguarding", data={"csrf_token": page_token, "lead": "yes"}).status_code \
            == 403
    assert lead_ids(sessions) == []


def test_a_deactivated_lead_is_not_told_and_with_no_other_lead_every_admin_is(mailing, smtp):
    from recovery_voice.users import deactivate

    project, sessions, ids = mailing
    jo = add_admin(sessions)
    with transaction(sessions) as session:
        deactivate(session, jo, session.get(User, ids["admin"]))
    share(sessions, project.config, ids)
    Worker(project.config, sessions).run_due()
    told = safeguarding_emails(smtp.wait_for(2))
    assert [r.recipients for r in told] == [[PEOPLE["admin"]]] and "no safeguarding lead is set" in told[0].text
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    page = admin.get("/users").get_data(as_text=True)
    assert "No safeguarding lead is set." in page and "Safeguarding lead (not told while deactivated)" in page


def test_the_support_page_is_there_any_time_and_says_no_more_than_is_true(app):
    app, _ = app
    teller = sign_in(app.test_client(), "storyteller")
    token = csrf_from(teller.get("/stories/new").get_data(as_text=True))
    story_id = int(teller.post("/stories/new", data={**STORY_FORM, "text": RECOVERY, "csrf_token": token})
                   .headers["Location"].split("/")[-2])
    assert f"/stories/{story_id}/support" in teller.get(f"/stories/{story_id}").get_data(as_text=True)
    page = teller.get(f"/stories/{story_id}/support").get_data(as_text=True)
    assert "<h1>Where to get support</h1>" in page and "Brighter Days support team" in page
    assert "may get in touch with you" not in page  # nobody was told: this story did not suggest a risk now
    teller.post(f"/stories/{story_id}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    withdrawn = teller.get(f"/stories/{story_id}/support").get_data(as_text=True)
    assert "Samaritans" in withdrawn and "is saved" not in withdrawn and "its words are erased" in withdrawn
