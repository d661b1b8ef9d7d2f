"""Publishing to Mastodon through Mastodon.py against a real mastodon-mock server on loopback."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery_voice import dispatch, logbook
from recovery_voice.accounts import check_account, list_accounts
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, RateLimit
from recovery_voice.posts import Draft, cancel, create_post
from recovery_voice.review import approve
from recovery_voice.worker import Worker

from conftest import sqlite_only
from faultproxy import FaultProxy, route
from mastodonserver import MastodonServer

STORY = " ".join(f"Sentence {n} of my story is about the people who walked beside me in recovery." for n in range(20))


@pytest.fixture(scope="module")
def mastodon():
    with MastodonServer() as server:
        yield server


@pytest.fixture
def account(mastodon, request):
    """A fresh Mastodon user per test, so no test sees another's statuses."""
    name = "rv" + str(abs(hash(request.node.nodeid)) % 10**9)
    return name, mastodon.create_user(name)


def mastodon_config(project, base_url: str, extra_account: str = "", worker: str = ""):
    """Point the project at one Mastodon account."""
    project.write_config(extra=f"[worker]\nrequest_timeout_seconds = 0.5\nbackoff_seconds = 0.05\n{worker}",
                         accounts=f"""
[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{base_url}"
access_token_env = "RV_MASTODON_TOKEN"
language = "en"
visibility = "unlisted"
{extra_account}
""")
    project.init_db()
    return project


@pytest.fixture
def masto_project(project, mastodon, account, monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    return mastodon_config(project, mastodon.base_url)


def queue(project, clock, text="Our café opens at 10 today. Everyone is welcome.", warning=None):
    """Create and approve one post due now; return its id."""
    with transaction(project.sessions) as session:
        post = create_post(session, project.config, Draft(text=text, content_warning=warning,
                                                          when=clock.now.isoformat()),
                           now=clock.now - timedelta(minutes=1))
        approve(session, project.config, [post.id], "admin@example.org", now=clock.now - timedelta(minutes=1))
    return post.id


def run(project, clock, rounds=1):
    worker = Worker(project.config, project.sessions, clock)
    for _ in range(rounds):
        worker.run_due()
    return worker


def the_delivery(project):
    with project.sessions() as session:
        found = session.scalars(select(Delivery)).one()
        return found, [(p.number, p.remote_id, p.deleted_at) for p in found.parts]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_post_goes_to_mastodon_with_its_language_visibility_and_link(masto_project, mastodon, account, clock):
    queue(masto_project, clock)
    run(masto_project, clock)
    [status] = mastodon.statuses(token=account[1])
    assert (status["language"], status["visibility"]) == ("en", "unlisted")
    assert mastodon.texts(token=account[1]) == ["Our café opens at 10 today. Everyone is welcome."]
    delivery, parts = the_delivery(masto_project)
    assert (delivery.status, delivery.remote_id, delivery.remote_url) == ("published", status["id"], status["url"])
    assert parts == [(1, status["id"], None)]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_long_story_becomes_a_thread_with_the_warning_on_every_part(masto_project, mastodon, account, clock):
    queue(masto_project, clock, text=STORY, warning="mentions of overdose")
    run(masto_project, clock)
    statuses = list(reversed(mastodon.statuses(token=account[1])))
    texts = mastodon.texts(token=account[1])
    assert len(statuses) > 1
    assert all(s["spoiler_text"] == "mentions of overdose" for s in statuses)
    assert [s["in_reply_to_id"] for s in statuses] == [None] + [s["id"] for s in statuses[:-1]]
    assert all(text.endswith(f"({n}/{len(texts)})") for n, text in enumerate(texts, 1))
    assert all(len(text) + len("mentions of overdose") <= 500 for text in texts)
    delivery, parts = the_delivery(masto_project)
    assert delivery.status == "published" and [p[1] for p in parts] == [s["id"] for s in statuses]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_the_footer_ends_the_last_part(project, mastodon, account, clock, monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    mastodon_config(project, mastodon.base_url, 'footer = "Need support? Call 0300 123 4567"')
    queue(project, clock)
    run(project, clock)
    assert mastodon.texts(token=account[1]) == [
        "Our café opens at 10 today. Everyone is welcome.\n\nNeed support? Call 0300 123 4567"]


def test_the_instances_own_limit_is_used(project, clock, monkeypatch):
    with MastodonServer(max_characters=2000) as big:
        token = big.create_user("longform")
        monkeypatch.setenv("RV_MASTODON_TOKEN", token)
        mastodon_config(project, big.base_url)
        queue(project, clock, text=STORY[:1500].strip())
        run(project, clock)
        assert big.texts(token=token) == [STORY[:1500].strip()]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_story_goes_out_in_the_parts_its_storyteller_signed_off_even_where_the_instance_takes_more(
        project, clock, monkeypatch):
    from datetime import date

    from recovery_voice.models import Post, User
    from recovery_voice.stories import StoryDraft, approve_story, final_texts, sign_off, submit
    from web_fixtures import make_people

    with MastodonServer(max_characters=2000) as big:
        token = big.create_user("stories")
        monkeypatch.setenv("RV_MASTODON_TOKEN", token)
        mastodon_config(project, big.base_url)
        author = make_people(project.sessions)["storyteller"]
        with transaction(project.sessions) as session:
            story = submit(session, project.config, session.get(User, author), StoryDraft(
                title="Coming home", text=STORY[:1200].strip(), naming="anonymous", shown_name="", networks=["mastodon"],
                consent_until=date(2099, 1, 1)), now=clock.now)
            [signed] = final_texts(session, project.config, story)
            sign_off(session, project.config, story, now=clock.now)
            story = approve_story(session, project.config, story.id, "user 4", now=clock.now)
            for delivery in session.get(Post, story.post_id).deliveries:
                delivery.due_at = delivery.run_at = clock.now
        run(project, clock, rounds=3)
        assert len(signed.parts) == 3  # split at Mastodon's usual 500 characters, as the storyteller read it
        assert big.texts(token=token) == list(signed.parts)


def test_a_timeout_after_the_status_was_made_is_retried_under_the_same_key_and_posts_once(
        project, mastodon, account, clock, monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    with FaultProxy(mastodon.base_url, platform="mastodon", hold=1.0) as proxy:
        mastodon_config(project, proxy.base_url)
        proxy.fail_next("timeout", match=route("POST", "/api/v1/statuses"))
        queue(project, clock)
        worker = run(project, clock)
        assert the_delivery(project)[0].status == "scheduled"
        clock.now += timedelta(minutes=1)
        worker.run_due()
        posts = [r for r in proxy.records if r.method == "POST"]
    assert [r.outcome for r in posts] == ["timeout", "forwarded"]
    assert len(mastodon.statuses(token=account[1])) == 1
    assert the_delivery(project)[0].status == "published"


def test_idempotency_key_replay_returns_the_first_status(mastodon, account):
    api = mastodon.client(token=account[1])
    first = api.status_post("one", idempotency_key="recovery-voice-1-abc")
    again = api.status_post("one", idempotency_key="recovery-voice-1-abc")
    other = api.status_post("one", idempotency_key="recovery-voice-2-abc")
    assert first["id"] == again["id"] != other["id"]
    assert len(mastodon.statuses(token=account[1])) == 2


def test_a_rate_limit_holds_the_account_until_the_reset_header(masto_project, mastodon, account, clock):
    reset = clock.now + timedelta(minutes=3)
    mastodon.add_fault("ratelimit", headers={"X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                                             "X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "300"})
    queue(masto_project, clock)
    queue(masto_project, clock, text="A second post for the same account.")
    worker = run(masto_project, clock)
    with masto_project.sessions() as session:
        runs = session.scalars(select(Delivery.run_at)).all()
        [limit] = session.scalars(select(RateLimit)).all()
    after = reset.replace(microsecond=0) + timedelta(seconds=1)  # the reset plus the margin for clock skew
    assert (limit.remaining, limit.reset_at) == (0, after)
    assert all(run_at >= after for run_at in runs)
    assert mastodon.statuses(token=account[1]) == []
    with transaction(masto_project.sessions) as session:
        assert dispatch.next_run_at(session, clock.now) == after
        assert list_accounts(session, masto_project.config, now=clock.now)[0]["waiting_until"] == after.isoformat()
    clock.now = after
    worker.run_due()
    assert len(mastodon.statuses(token=account[1])) == 2


def test_a_refused_token_holds_the_posts_and_marks_the_account(project, mastodon, account, clock, monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", "not-a-token")
    mastodon_config(project, mastodon.base_url)
    queue(project, clock)
    run(project, clock)
    with transaction(project.sessions) as session:
        [listed] = list_accounts(session, project.config)
        assert listed["state"] == "needs_attention" and "access token" in listed["last_error"]
        assert session.scalars(select(Delivery.status)).one() == "scheduled"
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    with transaction(project.sessions) as session:
        ok, said = check_account(session, project.config, "mastodon", 2)
    assert ok and said == f"signed in as @{account[0]} on {mastodon.base_url}"
    run(project, clock)
    assert len(mastodon.statuses(token=account[1])) == 1


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_accounts_check_posts_nothing(masto_project, mastodon, account):
    with transaction(masto_project.sessions) as session:
        assert check_account(session, masto_project.config, "mastodon", 2)[0]
    assert mastodon.statuses(token=account[1]) == []


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_cancelling_a_published_thread_deletes_every_part_and_logs_each(masto_project, mastodon, account, clock):
    post_id = queue(masto_project, clock, text=STORY)
    run(masto_project, clock)
    count = len(mastodon.statuses(token=account[1]))
    with transaction(masto_project.sessions) as session:
        cancel(session, [post_id], actor="admin@example.org", now=clock.now)
    run(masto_project, clock)
    assert mastodon.statuses(token=account[1]) == []
    delivery, parts = the_delivery(masto_project)
    assert delivery.deletion == "deleted" and all(deleted for _, _, deleted in parts)
    with masto_project.sessions() as session:
        events = [e.event for e in logbook.entries(session)]
    assert events.count("deleted") == count and "deletion_requested" in events


def nth_post(n, where="/api/v1/statuses"):
    """A matcher for the n-th post sent through a proxy."""
    seen = []

    def match(method, path):
        if method == "POST" and path == where:
            seen.append(path)
            return len(seen) == n
        return False
    return match


def test_a_thread_cut_off_by_a_server_error_resumes_from_its_last_part(project, mastodon, account, clock,
                                                                       monkeypatch):
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    with FaultProxy(mastodon.base_url, platform="mastodon") as proxy:
        mastodon_config(project, proxy.base_url)
        proxy.fail_next("500", match=nth_post(3))
        queue(project, clock, text=STORY)
        worker = run(project, clock)
        delivery, parts = the_delivery(project)
        assert delivery.status == "scheduled" and len(parts) == 2
        clock.now += timedelta(minutes=1)
        worker.run_due()
    statuses = list(reversed(mastodon.statuses(token=account[1])))
    texts = mastodon.texts(token=account[1])
    assert len(statuses) > 3 and texts[-1].endswith(f"({len(texts)}/{len(texts)})")
    assert [s["in_reply_to_id"] for s in statuses] == [None] + [s["id"] for s in statuses[:-1]]
    assert the_delivery(project)[0].status == "published"


def crash_mid_call(project, clock, send: bool):
    """Start publishing as a worker that dies during the call, after Mastodon made the status if `send`."""
    from recovery_voice.publishers import Part

    queue(project, clock)
    publisher = Worker(project.config, project.sessions, clock).publisher("mastodon")
    with transaction(project.sessions) as session:
        [claimed] = dispatch.claim_due(session, "dead-worker", clock.now, 10)
        claimed = dispatch.start_attempt(session, claimed, "dead-worker", clock.now)
    if send:
        publisher.publish(Part(claimed.outgoing, 1, 1, claimed.outgoing.text))


def test_a_worker_that_died_mid_call_is_followed_by_a_resend_under_the_same_key(masto_project, mastodon, account,
                                                                               clock):
    crash_mid_call(masto_project, clock, send=True)
    clock.now += masto_project.config.worker.claim_timeout + timedelta(seconds=1)
    worker = run(masto_project, clock)  # settles the stale claim: it will be sent again, after a short backoff
    clock.now += timedelta(seconds=5)
    worker.run_due()
    assert len(mastodon.statuses(token=account[1])) == 1
    assert the_delivery(masto_project)[0].status == "published"


def test_past_the_hour_mastodon_keeps_a_key_an_unknown_outcome_goes_to_a_person(masto_project, mastodon, account,
                                                                               clock):
    crash_mid_call(masto_project, clock, send=False)
    clock.now += timedelta(minutes=55)  # e.g. the only worker was down all that time
    run(masto_project, clock)
    delivery, _ = the_delivery(masto_project)
    assert delivery.status == "needs_review" and "Look on the account 'mastodon'" in delivery.last_error
    assert mastodon.statuses(token=account[1]) == []


def lost_answers(project, mastodon, account, monkeypatch, max_attempts: int):
    """A project whose every Mastodon post is made but its answer lost (the proxy withholds it)."""
    monkeypatch.setenv("RV_MASTODON_TOKEN", account[1])
    proxy = FaultProxy(mastodon.base_url, platform="mastodon", hold=0.6).start()
    mastodon_config(project, proxy.base_url, worker=f"max_attempts = {max_attempts}\n")
    proxy.fail_next("timeout", count=100, match=route("POST", "/api/v1/statuses"))
    return proxy


def test_resends_after_lost_answers_stop_fifty_minutes_after_the_first_send(project, mastodon, account, clock,
                                                                            monkeypatch):
    proxy = lost_answers(project, mastodon, account, monkeypatch, max_attempts=50)
    try:
        queue(project, clock)
        worker, rounds = Worker(project.config, project.sessions, clock), 0
        while the_delivery(project)[0].status == "scheduled" and rounds < 12:
            worker.run_due()
            clock.now += timedelta(minutes=10)  # each resend starts its own attempt, ten minutes on
            rounds += 1
    finally:
        proxy.stop()
    delivery, _ = the_delivery(project)
    assert delivery.status == "needs_review" and "first sent more than 50 minutes ago" in delivery.last_error
    assert rounds == 6, "sent at 0, 10, 20, 30, 40 and 50 minutes; the last is past the window"
    assert len(mastodon.statuses(token=account[1])) == 1


def test_unknown_outcomes_stop_after_max_attempts(project, mastodon, account, clock, monkeypatch):
    proxy = lost_answers(project, mastodon, account, monkeypatch, max_attempts=3)
    try:
        queue(project, clock)
        worker = Worker(project.config, project.sessions, clock)
        for _ in range(4):
            worker.run_due()
            clock.now += timedelta(seconds=30)
        posts = [r for r in proxy.records if r.method == "POST"]
    finally:
        proxy.stop()
    delivery, _ = the_delivery(project)
    assert delivery.status == "needs_review" and "no attempts are left (3 made)" in delivery.last_error
    assert len(posts) == 3 and len(mastodon.statuses(token=account[1])) == 1
