"""Bluesky link cards on queued posts: marked when the post is queued, fetched once by a worker's sweep
(never inside the transaction that made the post), and sent as app.bsky.embed.external to the real PDS.

The pages are loopback web servers (test_linkcard.Site), so these tests turn on
[linkcards] allow_private_addresses, except where they check that the switch off refuses them.
"""

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recovery_voice import cards
from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import engine_of, transaction
from recovery_voice.models import PEOPLE_NONE, DeliveryMedia, Post
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve
from recovery_voice.worker import Worker

from faultproxy import FaultProxy, route
from imagekit import SECRET_WORDS, encoded, phone_photo, screenshot
from pdsserver import start_or_skip
from test_bluesky_media import blob_bytes
from test_bluesky_publisher import new_account, records
from test_linkcard import LOOPBACK_ONLY, Site

CAFE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Fallback</title>
<meta property="og:title" content="Tuesday recovery café">
<meta property="og:description" content="Tea, toast and company, every Tuesday from 10.">
<meta property="og:image" content="/flyer.jpg">
</head><body>Welcome</body></html>"""


@pytest.fixture(autouse=True)
def loopback_only():
    """test_linkcard's tripwire: any connection beyond this computer fails the test."""
    LOOPBACK_ONLY.set()
    yield
    LOOPBACK_ONLY.clear()


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip(did_doc_with_session=False)  # the SDK stays on a proxy's URL after logging in
    yield server
    server.stop()


@pytest.fixture
def site():
    server = Site()
    server.page("/cafe", CAFE_PAGE)
    server.page("/flyer.jpg", phone_photo(), content_type="image/jpeg")  # GPS and all: must not reach Bluesky
    yield server
    server.close()


def configure(project, monkeypatch, pds, *, private="true", enabled="true", base_url=None):
    """A project with one Bluesky account on the PDS (or an unreachable one) and the [linkcards] switches."""
    account = new_account(pds) if pds else {"handle": "nobody.test", "app_password": "unused"}
    base_url = base_url or (pds.url if pds else "http://127.0.0.1:9")
    monkeypatch.setenv("RV_BSKY_PASSWORD", account["app_password"])
    project.write_config(
        extra=f"[worker]\nrequest_timeout_seconds = 2\nbackoff_seconds = 0.05\n"
              f"[linkcards]\nenabled = {enabled}\nallow_private_addresses = {private}\n",
        accounts=f"""
[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{base_url}"
handle = "{account['handle']}"
app_password_env = "RV_BSKY_PASSWORD"
""")
    project.init_db()
    return account


def queue(project, clock, text, images=(), due=None):
    """Queue and approve a post as the doors do (images stored before the transaction); return its id."""
    stored = store_new(project.config.media_dir, list(images))
    with transaction(project.sessions) as session:
        draft = Draft(text=text, images=stored, when=(due or clock.now).isoformat())
        post = create_post(session, project.config, draft, now=clock.now - timedelta(minutes=1))
        approve(session, project.config, [post.id], "admin@example.org", now=clock.now - timedelta(minutes=1))
    return post.id


def card_of(project, post_id):
    with project.sessions() as session:
        return session.get(Post, post_id).link_card


def sweep(project, clock):
    Worker(project.config, project.sessions, clock).sweep()


def test_a_queued_post_gets_its_card_once_and_the_bluesky_record_carries_it_with_a_stripped_thumbnail(
        project, pds, site, monkeypatch, clock):
    account = configure(project, monkeypatch, pds)
    link = site.url("/cafe")
    post_id = queue(project, clock, f"Our café is open on Tuesday: {link} All welcome.")
    assert card_of(project, post_id) == {"uri": link, "pending": True}
    assert site.paths() == []  # nothing was fetched while the post was being made
    worker = Worker(project.config, project.sessions, clock)
    worker.run_due()
    worker.run_due()
    assert site.paths() == ["/cafe", "/flyer.jpg"]
    card = card_of(project, post_id)
    assert (card["uri"], card["title"], card["description"]) == (
        link, "Tuesday recovery café", "Tea, toast and company, every Tuesday from 10.")
    [record] = records(pds, account["did"])
    external = record["value"]["embed"]
    assert external["$type"] == "app.bsky.embed.external"
    assert (external["external"]["uri"], external["external"]["title"], external["external"]["description"]) == (
        link, card["title"], card["description"])
    thumb = external["external"]["thumb"]
    data = blob_bytes(pds, account["did"], thumb["ref"]["$link"])
    assert thumb["mimeType"] == "image/jpeg" and 0 < len(data) <= 1_000_000
    assert not any(secret in data for secret in SECRET_WORDS)
    with project.sessions() as session:  # recorded like an image, so a retry after a crash reuses it
        assert session.scalars(select(DeliveryMedia.position)).all() == [cards.THUMB_POSITION]


def test_with_private_addresses_refused_the_loopback_page_is_not_fetched_and_the_post_has_a_plain_link(
        project, pds, site, monkeypatch, clock):
    account = configure(project, monkeypatch, pds, private="false")
    link = site.url("/cafe")
    post_id = queue(project, clock, f"Our café: {link}")
    Worker(project.config, project.sessions, clock).run_due()
    assert site.paths() == []
    card = card_of(project, post_id)
    assert card["uri"] == link and "loopback address" in card["problem"] and "plain link" in card["problem"]
    [record] = records(pds, account["did"])
    assert "embed" not in record["value"]
    assert record["value"]["facets"][0]["features"][0]["uri"] == link


def test_a_post_with_an_image_on_its_first_part_gets_no_card(project, site, monkeypatch, clock):
    configure(project, monkeypatch, None)
    flyer = NewImage(encoded(screenshot(800, 450), "PNG"), "flyer.png", alt="The café's flyer", people=PEOPLE_NONE)
    post_id = queue(project, clock, f"Our café: {site.url('/cafe')}", [flyer], due=clock.now + timedelta(days=1))
    sweep(project, clock)
    assert card_of(project, post_id) is None and site.paths() == []


def test_with_link_cards_turned_off_nothing_is_fetched(project, site, monkeypatch, clock):
    configure(project, monkeypatch, None, enabled="false")
    post_id = queue(project, clock, f"Our café: {site.url('/cafe')}", due=clock.now + timedelta(days=1))
    sweep(project, clock)
    assert card_of(project, post_id) is None and site.paths() == []


def test_a_page_without_open_graph_tags_gives_a_card_from_its_title_or_a_problem_when_it_has_none(
        project, site, monkeypatch, clock):
    configure(project, monkeypatch, None)
    site.page("/plain", "<html><head><title>Recovery walks</title></head><body>Saturdays</body></html>")
    site.page("/bare", "<html><body>Nothing to show</body></html>")
    later = clock.now + timedelta(days=1)
    titled = queue(project, clock, f"Walks: {site.url('/plain')}", due=later)
    bare = queue(project, clock, f"More: {site.url('/bare')}", due=later)
    sweep(project, clock)
    assert card_of(project, titled) == {"uri": site.url("/plain"), "title": "Recovery walks", "description": "",
                                        "thumb": None}
    assert "no title or description" in card_of(project, bare)["problem"]


def test_two_workers_sweeping_at_once_fetch_each_page_only_once(project, site, monkeypatch, clock):
    configure(project, monkeypatch, None)

    def slow_page(handler):
        time.sleep(0.5)  # both workers are surely sweeping while the first fetch is on its way
        body = CAFE_PAGE.replace('<meta property="og:image" content="/flyer.jpg">', "").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    site.routes["/slow"] = slow_page
    post_ids = [queue(project, clock, f"Café {n}: {site.url('/slow')}?n={n}", due=clock.now + timedelta(days=1))
                for n in range(3)]
    workers = [Worker(project.config, project.sessions, clock) for _ in range(2)]
    threads = [threading.Thread(target=worker.sweep) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(path for path, _ in site.requests) == sorted(f"/slow?n={n}" for n in range(3))
    assert all(card_of(project, post_id)["title"] == "Tuesday recovery café" for post_id in post_ids)


def test_a_worker_that_read_a_card_as_pending_does_not_fetch_it_after_another_worker_has(project, site, monkeypatch,
                                                                                          clock):
    configure(project, monkeypatch, None)
    post_id = queue(project, clock, f"Our café: {site.url('/cafe')}", due=clock.now + timedelta(days=1))
    as_read = card_of(project, post_id)  # what a slower worker read before the other finished
    assert cards.fetch_pending(engine_of(project.sessions), project.config, clock.now) == 1
    assert cards._claim(engine_of(project.sessions), post_id, as_read, clock.now) is None
    assert card_of(project, post_id)["title"] == "Tuesday recovery café"


def test_a_delivery_due_while_its_card_is_still_being_fetched_goes_with_a_plain_link_and_says_why(
        project, pds, site, monkeypatch, clock, caplog):
    account = configure(project, monkeypatch, pds)
    link = site.url("/cafe")
    post_id = queue(project, clock, f"Our café: {link}")
    with transaction(project.sessions) as session:  # another worker's sweep has just taken it
        session.execute(update(Post).where(Post.id == post_id).values(
            link_card={"uri": link, "pending": True, "claim": "other", "since": clock.now.isoformat()}))
    with caplog.at_level(logging.INFO, logger="recovery_voice.cards"):
        Worker(project.config, project.sessions, clock).run_due()
    assert site.paths() == []
    [record] = records(pds, account["did"])
    assert "embed" not in record["value"]
    assert "goes out with a plain link: the link card for" in caplog.text


def test_a_lost_answer_after_the_thumbnail_went_up_reuses_it_and_makes_one_post(project, pds, site, monkeypatch,
                                                                                  clock):
    with FaultProxy(pds.url, platform="bluesky", hold=3.0) as proxy:
        account = configure(project, monkeypatch, pds, base_url=proxy.base_url)
        queue(project, clock, f"Our café: {site.url('/cafe')}")
        proxy.fail_next("timeout_before", match=route("POST", "/xrpc/com.atproto.repo.createRecord"))
        worker = Worker(project.config, project.sessions, clock)
        worker.run_due()  # the thumbnail is uploaded and recorded; the post's answer never comes, and it is not there
        assert records(pds, account["did"]) == []
        clock.now += timedelta(minutes=5)
        worker.run_due()
        uploads = [r for r in proxy.records if r.path.startswith("/xrpc/com.atproto.repo.uploadBlob")]
    assert len(uploads) == 1
    [record] = records(pds, account["did"])
    with project.sessions() as session:
        [recorded] = session.scalars(select(DeliveryMedia.remote_id)).all()
    assert record["value"]["embed"]["external"]["thumb"]["ref"]["$link"] == recorded
