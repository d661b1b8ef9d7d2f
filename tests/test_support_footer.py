"""A post or story that touches suicide or a death from drugs ends with the organisation's support line on every
network (the last part of a thread), counted against each limit, in the previews, the review page and the
storyteller's final text; a post that does not touch them goes out as before."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from recovery_voice.config import ConfigError, parse_config
from recovery_voice.config_care import SUPPORT_FOOTERS
from recovery_voice.db import transaction
from recovery_voice.footers import footer_for
from recovery_voice.models import Delivery, Post, Story, User
from recovery_voice.posts import Draft, create_post
from recovery_voice.render import LIMITS, length, render
from recovery_voice.review import approve
from recovery_voice.stories import StoryDraft, approve_story, final_digest, final_texts, sign_off, submit
from recovery_voice.web.preview import typed_previews
from recovery_voice.worker import Worker

from browser import Visitor, shots
from conftest import sqlite_only
from test_bluesky_publisher import bluesky_config, new_account, pds, records  # noqa: F401 (pds: a fixture)
from test_mastodon_publisher import account, mastodon, mastodon_config  # noqa: F401 (fixtures)
from test_x_publisher import CREDENTIALS, X_ACCOUNT, x_api  # noqa: F401 (x_api: a fixture)
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, make_people, sign_in

UK, US = SUPPORT_FOOTERS["uk"], SUPPORT_FOOTERS["us"]
ADMINS = ("ada@example.org", "bea@example.org")  # a post touching a death needs two admins
OWN = "Brighter Days: brighterdays.example"  # an account's own footer
SUICIDE = "We remember Sam, who died by suicide in March. Our walk on Saturday is for him and for everyone who misses him."
DRUGS = "Two friends died of overdoses this year. Our walk on Saturday remembers them, and every family who lost someone."
PLAIN = "Our café opens at 10 today. Everyone is welcome, and the tea is on us."
# 198 characters: one post on X alone, a thread of two with the support line after it.
FITS_ALONE = SUICIDE + " We will meet at the café at ten, walk to the park together and share what we remember."
LONG = " ".join(f"Sentence {n} of our post is about the people who walked beside Sam in recovery." for n in range(12))


def queue(project, clock, text: str, warning: str | None = None) -> int:
    """Create a post due now and approve it as its admins would: twice when it touches a death."""
    earlier = clock.now - timedelta(minutes=1)
    with transaction(project.sessions) as session:
        post = create_post(session, project.config, Draft(text=text, content_warning=warning,
                                                          when=clock.now.isoformat()), now=earlier)
        for admin in ADMINS:
            if session.get(Post, post.id).status == "pending":
                approve(session, project.config, [post.id], admin, now=earlier)
    return post.id


def publish(project, clock) -> None:
    """Run one round of the worker."""
    Worker(project.config, project.sessions, clock).run_due()


def with_region(project, region: str, timezone: str):
    """Give the project's organisation another region (write_config always writes the UK's)."""
    text = project.config_path.read_text()
    project.config_path.write_text(text.replace('timezone = "Europe/London"', f'timezone = "{timezone}"\n'
                                                                              f'region = "{region}"'))
    project._config = None
    return project


# The rule -------------------------------------------------------------------------------------------------------


def test_the_support_line_comes_first_and_the_accounts_own_footer_ends_the_post():
    assert footer_for(OWN, UK, touches_death=True) == f"{UK}\n\n{OWN}"
    assert footer_for(None, UK, touches_death=True) == UK


def test_a_post_that_touches_no_death_keeps_only_its_accounts_own_footer():
    assert footer_for(OWN, UK, touches_death=False) == OWN
    assert footer_for(None, UK, touches_death=False) is None
    assert footer_for(OWN, None, touches_death=True) == OWN  # the organisation switched the line off


def test_the_uk_default_names_samaritans_and_the_us_default_988():
    assert "116 123" in parse_config({}, None).care.support_footer
    assert "988" in parse_config({"organisation": {"region": "us"}}, None).care.support_footer


def test_an_organisation_can_write_its_own_support_line_or_switch_it_off_with_an_empty_one():
    own = "Brighter Days is here for you: call 01234 567890, any day."
    assert parse_config({"care": {"support_footer": own}}, None).care.support_footer == own
    assert parse_config({"care": {"support_footer": ""}}, None).care.support_footer is None
    with pytest.raises(ConfigError, match="support_footer must be a quoted string"):
        parse_config({"care": {"support_footer": 116123}}, None)


# What each network receives ---------------------------------------------------------------------------------------


@sqlite_only
def test_x_gets_the_support_line_on_the_last_part_so_a_post_that_fitted_becomes_a_thread(project, x_api, clock,
                                                                                         monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\n", accounts=X_ACCOUNT.format(x_api.base_url))
    project.init_db()
    assert len(render(FITS_ALONE, "x").parts) == 1  # without the support line it is one post
    queue(project, clock, FITS_ALONE)
    publish(project, clock)
    tweets = [tweet["text"] for tweet in x_api.created]
    assert len(tweets) == 2 and tweets[-1].endswith(f"(2/2)\n\n{UK}")
    assert UK not in tweets[0] and all(length(tweet, "x") <= LIMITS["x"] for tweet in tweets)
    assert [t.get("in_reply_to_tweet_id") for t in x_api.created] == [None, x_api.created[0]["id"]]


@sqlite_only
def test_mastodon_gets_the_support_line_before_the_accounts_own_footer(project, mastodon, account, clock,
                                                                       monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    mastodon_config(project, mastodon.base_url, f'footer = "{OWN}"')
    queue(project, clock, DRUGS)
    publish(project, clock)
    assert mastodon.texts(token=account[1]) == [f"{DRUGS}\n\n{UK}\n\n{OWN}"]


@sqlite_only
def test_bluesky_gets_the_support_line_on_the_last_part_of_a_thread_with_a_content_warning(project, pds, clock,
                                                                                           monkeypatch):
    bluesky_account = new_account(pds)
    bluesky_config(project, pds.url, bluesky_account, monkeypatch)
    queue(project, clock, LONG + " " + SUICIDE, warning="mentions of suicide")
    publish(project, clock)
    thread = [record["value"]["text"] for record in records(pds, bluesky_account["did"])]
    assert len(thread) > 2 and thread[0].startswith("Content warning: mentions of suicide\n\n")
    assert thread[-1].endswith(f"({len(thread)}/{len(thread)})\n\n{UK}")
    assert sum(UK in text for text in thread) == 1 and all(length(text, "bluesky") <= 300 for text in thread)


def test_the_outbox_line_ends_with_the_support_line_on_either_database(project, clock):
    project.init_db()
    queue(project, clock, SUICIDE)
    publish(project, clock)
    assert [line["text"] for line in project.outbox_lines()] == [f"{SUICIDE}\n\n{UK}"]


@sqlite_only
def test_a_post_that_touches_no_death_goes_out_without_the_support_line(project, clock):
    project.init_db()
    queue(project, clock, PLAIN)
    publish(project, clock)
    assert [line["text"] for line in project.outbox_lines()] == [PLAIN]


@sqlite_only
def test_a_us_organisation_points_to_988(project, clock):
    with_region(project, "us", "America/New_York").init_db()
    queue(project, clock, DRUGS)
    publish(project, clock)
    assert [line["text"] for line in project.outbox_lines()] == [f"{DRUGS}\n\n{US}"]


@sqlite_only
def test_an_organisations_own_support_line_replaces_the_default_and_an_empty_one_adds_nothing(project, clock):
    own = "Brighter Days is here for you: call 01234 567890, any day."
    project.write_config(extra=f'[care]\nsupport_footer = "{own}"\n').init_db()
    queue(project, clock, SUICIDE)
    publish(project, clock)
    project.write_config(extra='[care]\nsupport_footer = ""\n')
    queue(project, clock, DRUGS)
    publish(project, clock)
    assert [line["text"] for line in project.outbox_lines()] == [f"{SUICIDE}\n\n{own}", DRUGS]


# What people see before it goes out -------------------------------------------------------------------------------


@sqlite_only
def test_the_preview_counts_the_support_line_against_each_networks_limit_and_says_why(project):
    shown = typed_previews(project.config, FITS_ALONE, None)
    x = next(preview for preview in shown if preview["key"] == "x")
    assert x["length"] == length(f"{FITS_ALONE}\n\n{UK}", "x") and not x["fits"] and x["parts"][-1].endswith(UK)
    assert all(preview["support"] == "added because this post mentions suicide" for preview in shown)
    assert all(preview["support"] is None and preview["fits"] for preview in typed_previews(project.config, PLAIN,
                                                                                             None))


def compose_client(project, sessions, who="volunteer"):
    """A signed-in test client and the compose page's CSRF token."""
    client = sign_in(make_app(project, sessions).test_client(), who)
    return client, csrf_from(client.get("/compose?free=1").get_data(as_text=True))


def visible(html: str) -> str:
    """The page's words without tags, with its quotes unescaped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&#34;", '"').replace("&#39;", "'")


@sqlite_only
def test_the_compose_preview_shows_the_support_line_and_counts_it(project, sessions):
    make_people(sessions)
    client, token = compose_client(project, sessions)
    form = {"csrf_token": token, "accounts": "outbox", "when": "next-slot", "action": "check"}
    page = visible(client.post("/compose?free=1", data={**form, "text": FITS_ALONE}).get_data(as_text=True))
    assert (f"Each count below includes the support line, added because this post mentions suicide: “{UK}”"
            in page)
    assert f"On X: {length(FITS_ALONE + chr(10) * 2 + UK, 'x')} of 280 characters (with the support line), so it " \
           "goes out as a thread of 2" in page
    plain = visible(client.post("/compose?free=1", data={**form, "text": PLAIN}).get_data(as_text=True))
    assert "support line" not in plain and f"On X: {len(PLAIN)} of 280 characters" in plain


@sqlite_only
def test_the_review_and_post_pages_show_the_support_line_the_saved_post_will_end_with(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        touching = create_post(session, project.config, Draft(text=DRUGS), created_by=PEOPLE["volunteer"]).id
        plain = create_post(session, project.config, Draft(text=PLAIN), created_by=PEOPLE["volunteer"]).id
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    review = client.get("/review").get_data(as_text=True)
    cards = {post_id: visible(re.search(rf'<article class="card" id="post-{post_id}".*?</article>', review,
                                        re.DOTALL).group(0)) for post_id in (touching, plain)}
    assert f"It ends with the support line, added because this post mentions a death from drugs: “{UK}”" \
           in cards[touching]
    assert f"Length on each network, with the support line: X {length(DRUGS + chr(10) * 2 + UK, 'x')} of 280" \
           in cards[touching]
    assert "support line" not in cards[plain] and f"X {len(PLAIN)} of 280" in cards[plain]
    post_page = visible(client.get(f"/posts/{touching}").get_data(as_text=True))
    assert "with the support line, added because this post mentions a death from drugs" in post_page


@sqlite_only
def test_the_live_preview_shows_the_support_line_as_the_volunteer_types(chromium, site):
    volunteer = Visitor(chromium, site.url)
    page = volunteer.sign_in(PEOPLE["volunteer"], PASSWORD)
    volunteer.goto("/compose?free=1")
    page.get_by_label("Your post").fill(PLAIN)
    page.locator("#preview h3").first.wait_for()
    assert page.locator("#support-line").count() == 0
    page.get_by_label("Your post").fill(FITS_ALONE)  # no button pressed: the preview refreshes itself
    page.locator("#support-line").wait_for()
    assert UK in page.locator("#support-line").inner_text()
    assert "(with the support line), so it goes out as a thread of 2" in page.locator("#preview").inner_text()
    shots(volunteer, "compose-support-line")
    volunteer.close()


# The storyteller's final text ------------------------------------------------------------------------------------


def story_accounts(project) -> str:
    """An outbox with its own footer, and an X account (only rendered for here, never called)."""
    return (f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{project.outbox}"\nfooter = "{OWN}"\n'
            '[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "A"\nconsumer_secret_env = "B"\n'
            'access_token_env = "C"\naccess_token_secret_env = "D"\n')


@sqlite_only
def test_the_storyteller_signs_off_their_story_with_the_support_line_exactly_as_it_goes_out(project, clock):
    project.write_config(accounts=story_accounts(project))
    sessions = project.init_db()
    author = make_people(sessions)["storyteller"]
    text = "My brother died by suicide when I was drinking every day. Finding the café, and people who listened, " \
           "is how I found my way back. I walk for him every year now."
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), StoryDraft(
            title="Walking for my brother", text=text, naming="pseudonym", shown_name="River",
            networks=["outbox", "x-main"], consent_until=date(2099, 1, 1)))
        outbox, x = final_texts(session, project.config, story)
        assert outbox.support and x.support
        assert outbox.parts[-1].endswith(f"— River\n\n{UK}\n\n{OWN}") and x.parts[-1].endswith(f"\n\n{UK}")
        sign_off(session, project.config, story, story.version, final_digest(session, project.config, story))
        for admin in ADMINS:
            approve_story(session, project.config, story.id, admin, now=clock.now)
        session.execute(update(Delivery).where(Delivery.post_id == story.post_id)
                        .values(due_at=clock.now, run_at=clock.now))
        story_id = story.id
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    final_page = visible(client.get(f"/stories/{story_id}/final-text").get_data(as_text=True))
    assert "It ends with a line saying where to find support" in final_page and UK in final_page
    with sessions() as session:
        assert session.get(Story, story_id).status == "approved"
    Worker(project.config, sessions, clock).run_due()
    assert [line["text"] for line in project.outbox_lines() if line["account"] == "outbox"] == list(outbox.parts)


@sqlite_only
def test_the_story_review_page_says_the_story_ends_with_the_support_line_only_when_it_touches_a_death(project):
    project.write_config(accounts=story_accounts(project))
    sessions = project.init_db()
    author = make_people(sessions)["storyteller"]
    touching = "My brother died by suicide when I was drinking every day. I walk for him every year now."
    plain = "The café and the people who listened there are how I found my way back, one day at a time."
    with transaction(sessions) as session:
        ids = [submit(session, project.config, session.get(User, author), StoryDraft(
            title=title, text=text, naming="pseudonym", shown_name="River", networks=["outbox"],
            consent_until=date(2099, 1, 1))).id for title, text in (("For my brother", touching), ("The café", plain))]
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    pages = [visible(client.get(f"/review/stories/{story_id}").get_data(as_text=True)) for story_id in ids]
    assert f"It ends with the support line, added because this story mentions suicide: “{UK}”" in pages[0]
    assert "support line" not in pages[1]
