"""The storyteller signs off the final text, as each network will receive it, before their story can be scheduled."""

from datetime import date

import pytest
from sqlalchemy import select, update

from recovery_voice import takedown
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Story, User
from recovery_voice.stories import (
    EDITED,
    NOT_SIGNED,
    RENDERING_CHANGED,
    SIGNED,
    StoryDraft,
    StoryProblem,
    approve_story,
    edit,
    final_digest,
    final_texts,
    sign_off,
    signoff_state,
    submit,
    withdraw,
)
from recovery_voice.worker import Worker

from web_fixtures import make_people

FOOTER = "Need to talk? Call 0800 123 4567"
LONG = " ".join(f"Sentence {n} of my story about the years it took to find my way back to my family."
               for n in range(12))


def _accounts(project, footer=FOOTER):
    """An outbox with a footer, and an X account without one (never called: these tests only render for it)."""
    return (f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\nfooter = "{footer}"\n'
            '[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "A"\nconsumer_secret_env = "B"\n'
            'access_token_env = "C"\naccess_token_secret_env = "D"\n')


@pytest.fixture
def setup(project):
    """A project with two accounts, its people, and the storyteller's id."""
    project.write_config(accounts=_accounts(project))
    sessions = project.init_db()
    return sessions, make_people(sessions)["storyteller"]


def _draft(text=LONG, **changes):
    values = dict(title="Coming home", text=text, naming="pseudonym", shown_name="River",
                  networks=["outbox", "x-main"], consent_until=date(2099, 1, 1), content_warning="mentions drinking")
    return StoryDraft(**{**values, **changes})


def _submitted(project, sessions, author, **changes) -> int:
    with transaction(sessions) as session:
        return submit(session, project.config, session.get(User, author), _draft(**changes)).id


def test_a_story_cannot_be_approved_until_its_storyteller_signs_off_the_final_text(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        with pytest.raises(StoryProblem, match="sam has not signed off the final text") as refused:
            approve_story(session, project.config, story_id, "ada@example.org")
        assert refused.value.field == "signoff"
        story = session.get(Story, story_id)
        assert (story.status, story.post_id, signoff_state(session, project.config, story)) == ("pending", None,
                                                                                                NOT_SIGNED)
        sign_off(session, project.config, story)
        assert signoff_state(session, project.config, story) == SIGNED
        approve_story(session, project.config, story_id, "ada@example.org")
        assert story.status == "approved" and story.post_id is not None


def test_the_final_text_shows_each_network_its_thread_with_the_name_footer_and_content_warning(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with sessions() as session:
        outbox, x = final_texts(session, project.config, session.get(Story, story_id))
    assert outbox.parts[0].endswith(f"— River\n\n{FOOTER}") and len(outbox.parts) == 1
    assert len(x.parts) > 2 and x.parts[0].startswith("Content warning: mentions drinking\n\nComing home")
    assert x.parts[-1].endswith(f"— River ({len(x.parts)}/{len(x.parts)})")  # the footer is the outbox account's
    assert not any(FOOTER in part for part in x.parts)
    assert (x.label, x.spoiler_text, outbox.label) == ("X", None, "The outbox file")


def test_what_the_storyteller_signed_off_is_what_the_outbox_publishes(project, setup, clock):
    sessions, author = setup
    story_id = _submitted(project, sessions, author, networks=["outbox"])
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        [signed] = final_texts(session, project.config, story)
        sign_off(session, project.config, story, story.version, final_digest(session, project.config, story))
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        session.execute(update(Delivery).values(due_at=clock.now, run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()
    [line] = project.outbox_lines()
    assert [line["text"]] == list(signed.parts)


def test_signing_off_a_version_or_a_rendering_that_changed_since_the_page_was_opened_is_refused(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        seen = final_digest(session, project.config, story)
        edit(session, project.config, story, None, _draft("My second version, shorter."))
        with pytest.raises(StoryProblem, match="changed after you opened this page"):
            sign_off(session, project.config, story, seen_version=1, seen_digest=seen)
        with pytest.raises(StoryProblem, match="changed after you opened this page"):
            sign_off(session, project.config, story, seen_version=2, seen_digest=seen)
        assert story.signoff is None
        sign_off(session, project.config, story, seen_version=2,
                 seen_digest=final_digest(session, project.config, story))
        assert (story.signoff.version, signoff_state(session, project.config, story)) == (2, SIGNED)


def test_an_edit_after_the_sign_off_needs_a_new_one_before_approval(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        edit(session, project.config, story, None, _draft(LONG))  # the same words, saved again: a new version
        assert signoff_state(session, project.config, story) == EDITED
        with pytest.raises(StoryProblem, match="changed the story after signing it off"):
            approve_story(session, project.config, story_id, "ada@example.org")


def test_a_footer_changed_after_the_sign_off_holds_approval_until_the_storyteller_signs_off_again(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))
    project.write_config(accounts=_accounts(project, footer="Talk to us: 0800 765 4321"))
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        assert signoff_state(session, project.config, story) == RENDERING_CHANGED
        with pytest.raises(StoryProblem, match="final text changed since sam signed it off"):
            approve_story(session, project.config, story_id, "ada@example.org")
        assert "0800 765 4321" in final_texts(session, project.config, story)[0].parts[-1]
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org")
        assert story.status == "approved"


def test_an_account_removed_after_the_sign_off_changes_the_final_text(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))
    project.write_config(accounts=f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\n'
                                  f'footer = "{FOOTER}"\n')
    with sessions() as session:
        assert signoff_state(session, project.config, session.get(Story, story_id)) == RENDERING_CHANGED


def test_a_story_withdrawn_after_its_sign_off_cannot_be_signed_or_approved_and_its_digest_is_erased(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        withdraw(session, story, media_dir=project.config.media_dir)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        assert story.signoff.version == 1 and story.signoff.digest is None
        with pytest.raises(StoryProblem, match="withdrawn, so there is nothing to sign off"):
            sign_off(session, project.config, story)
        with pytest.raises(StoryProblem, match="withdrawn, not waiting"):
            approve_story(session, project.config, story_id, "ada@example.org")


def test_a_final_text_that_cannot_go_out_on_a_network_cannot_be_signed_off(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author, content_warning="w" * 290)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        with pytest.raises(StoryProblem, match="cannot go out on X as it is: The content warning"):
            sign_off(session, project.config, story)
        assert story.signoff is None


def test_a_sign_off_is_logged_under_the_storytellers_user_id_never_their_email(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))
    with sessions() as session:
        entry = session.scalar(select(LogEntry).where(LogEntry.event == "story_signed_off"))
        assert (entry.actor, entry.reason) == (f"user {author}", f"story {story_id} version 1")


def test_withdrawing_says_where_it_will_not_go_and_which_published_parts_will_be_deleted(project, setup, clock):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        assert takedown.preview(session, story.post_id).nothing
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        before = takedown.preview(session, story.post_id)
        assert (before.not_sent, before.deleted) == (["the outbox file", "X"], [])
        session.execute(update(Delivery).where(Delivery.account.has(name="outbox"))
                        .values(due_at=clock.now, run_at=clock.now))
    Worker(project.config, sessions, clock).run_due()
    with sessions() as session:
        after = takedown.preview(session, session.get(Story, story_id).post_id)
    assert after.not_sent == ["X"] and [(d.account, d.parts) for d in after.deleted] == [("outbox", 1)]


def test_a_story_whose_chosen_accounts_are_all_gone_cannot_be_signed_off(project, setup):
    sessions, author = setup
    story_id = _submitted(project, sessions, author, networks=["x-main"])
    project.write_config()  # only the outbox account now: the storyteller never chose it
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        assert final_texts(session, project.config, story) == []
        with pytest.raises(StoryProblem, match="none of the places you chose is set up any more"):
            sign_off(session, project.config, story)


def test_withdrawing_a_story_whose_outcome_on_a_network_is_unknown_says_it_may_be_there(project, setup, clock):
    sessions, author = setup
    story_id = _submitted(project, sessions, author)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        session.execute(update(Delivery).where(Delivery.account.has(name="x-main")).values(status="needs_review"))
        found = takedown.preview(session, story.post_id)
    assert (found.maybe, found.not_sent, found.deleted) == (["X"], ["the outbox file"], [])
