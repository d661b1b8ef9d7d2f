"""Posts with images published end to end by the real worker: to the loopback X server, to mastodon-mock and to the
real Bluesky PDS, each image fitted, stripped of its metadata, with its alt text, on the part it was chosen for."""

import io
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from recovery_voice import deletion, dispatch
from recovery_voice.db import transaction
from recovery_voice.models import Account, Delivery, LogEntry, RateLimit
from recovery_voice.publishers import Uploaded
from recovery_voice.worker import Worker

from conftest import sqlite_only
from faultproxy import FaultProxy, route
from imagekit import SECRET_WORDS
from mastodonserver import MastodonServer
from pdsserver import start_or_skip
from publishkit import CAFE, FLYER, flyer, photo, queue_with_images, recorded_media, sha256
from test_bluesky_media import blob_bytes
from test_bluesky_publisher import new_account, records
from test_publish_faults import X_KEYS, accounts
from xapi import XApiServer

pytestmark = sqlite_only
TEXT = "Our café is open on Tuesday, all welcome. Here is this week's flyer."
# Two parts on Mastodon (500 characters each), so an image chosen for part 3 has to go on the last.
TWO_PARTS = " ".join(f"Sentence {n}: the people at the café walked beside me in recovery." for n in range(10))
UPLOAD_ROUTES = {"x": "/2/media/upload", "mastodon": "/api/v2/media", "bluesky": "/xrpc/com.atproto.repo.uploadBlob"}


@pytest.fixture(scope="module")
def mastodon():
    with MastodonServer() as server:
        yield server


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip(did_doc_with_session=False)  # the SDK stays on a proxy's URL after logging in
    yield server
    server.stop()


@pytest.fixture
def x_api():
    with XApiServer(*X_KEYS.values()) as server:
        yield server


@pytest.fixture
def networks(project, x_api, mastodon, pds, monkeypatch, request):
    """The project with an X, a Mastodon and a Bluesky account, each a fresh user; yields their details."""
    mastodon.process_media_slowly(0)
    mastodon.clear_faults()
    token = mastodon.create_user("img" + str(abs(hash(request.node.nodeid)) % 10**9))
    bluesky = new_account(pds, "images")
    for name, value in {**X_KEYS, "RV_MASTODON_TOKEN": token, "RV_BSKY_PASSWORD": bluesky["app_password"]}.items():
        monkeypatch.setenv(name, value)
    configure(project, x_api.base_url, mastodon.base_url, pds.url, bluesky["handle"])
    project.init_db()
    return {"token": token, "did": bluesky["did"], "handle": bluesky["handle"]}


def configure(project, x_url, mastodon_url, pds_url, handle, worker=""):
    project.write_config(extra="[worker]\nrequest_timeout_seconds = 5\nbackoff_seconds = 0.05\n"
                               f"reset_margin_seconds = 0.2\n{worker}",
                         accounts=accounts(x_url, mastodon_url, pds_url, handle))


def publish(project, clock=None) -> Worker:
    worker = Worker(project.config, project.sessions, *([clock] if clock else []))
    worker.run_due()
    return worker


def deliveries(project) -> dict[str, tuple[str, str | None]]:
    with project.sessions() as session:
        rows = session.execute(select(Account.name, Delivery.status, Delivery.last_error)
                               .join(Account, Account.id == Delivery.account_id).order_by(Delivery.id)).all()
    return {name: (status, error) for name, status, error in rows}


def without_metadata(data: bytes) -> bool:
    """No GPS, camera, XMP, IPTC, ICC profile or comment in the bytes, and no EXIF when decoded."""
    with Image.open(io.BytesIO(data)) as opened:
        return not any(secret in data for secret in SECRET_WORDS) and not opened.getexif() and \
            "icc_profile" not in opened.info


def uploads_logged(project, account: str) -> list[LogEntry]:
    with project.sessions() as session:
        return session.scalars(select(LogEntry).where(LogEntry.event == "media_uploaded", LogEntry.account == account)
                               .order_by(LogEntry.id)).all()


def test_a_gps_photo_and_a_screenshot_reach_x_with_their_alt_text_signed_and_stripped(project, networks, x_api,
                                                                                     clock):
    queue_with_images(project, TEXT, [photo(), flyer()], ["x"], clock.now)
    publish(project, clock)
    [tweet] = x_api.created
    stored = x_api.media
    assert len(tweet["media_ids"]) == 2 and tweet["text"] == TEXT
    assert [stored[media_id]["alt"] for media_id in tweet["media_ids"]] == [CAFE, FLYER]
    assert [stored[media_id]["mime"] for media_id in tweet["media_ids"]] == ["image/jpeg", "image/png"]
    assert all(without_metadata(stored[media_id]["data"]) for media_id in tweet["media_ids"])
    assert [r.path for r in x_api.requests] == ["/2/media/upload", "/2/media/metadata"] * 2 + ["/2/tweets"]
    assert all(r.signature_ok for r in x_api.requests)
    assert [row[4] for row in recorded_media(project)["x"]] == tweet["media_ids"]
    assert [entry.remote_id for entry in uploads_logged(project, "x")] == tweet["media_ids"]
    assert deliveries(project)["x"] == ("published", None)


def test_a_gps_photo_reaches_mastodon_with_its_description_after_processing_is_awaited(project, networks,
                                                                                      mastodon, clock):
    mastodon.process_media_slowly(1)  # each upload answers 202, then a poll 206, as a busy instance does
    polled = mastodon.media_polls()
    queue_with_images(project, TEXT, [photo(), flyer()], ["mastodon"], clock.now)
    publish(project, clock)
    [status] = mastodon.statuses(token=networks["token"])
    attached = status["media_attachments"]
    assert [a["description"] for a in attached] == [CAFE, FLYER]
    assert mastodon.media_polls() - polled == 2 * 2  # a 206 and the 200 for each
    direct = requests.Session()
    direct.trust_env = False
    assert all(without_metadata(direct.get(a["url"], timeout=10).content) for a in attached)
    assert [row[4] for row in recorded_media(project)["mastodon"]] == [str(a["id"]) for a in attached]
    assert len(uploads_logged(project, "mastodon")) == 2
    assert deliveries(project)["mastodon"] == ("published", None)


def test_a_gps_photo_reaches_bluesky_with_alt_text_and_aspect_ratio_and_its_blob_carries_no_exif(project, networks,
                                                                                               pds, clock):
    queue_with_images(project, TEXT, [photo(), flyer()], ["bluesky"], clock.now)
    publish(project, clock)
    [record] = records(pds, networks["did"])
    images = record["value"]["embed"]["images"]
    assert record["value"]["embed"]["$type"] == "app.bsky.embed.images"
    assert [(i["alt"], i["aspectRatio"]["width"], i["aspectRatio"]["height"]) for i in images] == [
        (CAFE, 640, 480), (FLYER, 1280, 720)]
    blobs = [blob_bytes(pds, networks["did"], i["image"]["ref"]["$link"]) for i in images]
    assert all(without_metadata(blob) for blob in blobs)
    assert [row[3] for row in recorded_media(project)["bluesky"]] == [sha256(blob) for blob in blobs]
    assert len(uploads_logged(project, "bluesky")) == 2
    assert deliveries(project)["bluesky"] == ("published", None)


def test_an_image_chosen_for_part_2_goes_on_part_2_and_one_for_part_3_of_2_on_the_last(project, networks,
                                                                                      mastodon, clock):
    queue_with_images(project, TWO_PARTS, [photo(part=2), flyer(part=3)], ["mastodon"], clock.now)
    publish(project, clock)
    first, second = reversed(mastodon.statuses(token=networks["token"]))
    assert second["in_reply_to_id"] == first["id"]
    assert first["media_attachments"] == []
    assert [a["description"] for a in second["media_attachments"]] == [CAFE, FLYER]
    assert [(row[1], row[2]) for row in recorded_media(project)["mastodon"]] == [(2, 1), (2, 2)]
    [entry, _] = uploads_logged(project, "mastodon")
    assert "for part 2" in entry.reason and "alt text \"Six people laughing" in entry.reason


@pytest.mark.parametrize("network", ["x", "mastodon", "bluesky"])
def test_a_429_on_the_media_upload_holds_the_account_until_the_reset_then_the_post_goes(project, networks, x_api,
                                                                                       mastodon, pds, network):
    upstream = {"x": x_api.base_url, "mastodon": mastodon.base_url, "bluesky": pds.url}[network]
    with FaultProxy(upstream, platform=network, reset_in=2.0) as proxy:
        urls = {"x": x_api.base_url, "mastodon": mastodon.base_url, "bluesky": pds.url, network: proxy.base_url}
        configure(project, urls["x"], urls["mastodon"], urls["bluesky"], networks["handle"])
        proxy.fail_next("429", match=route("POST", UPLOAD_ROUTES[network]))
        queue_with_images(project, TEXT, [photo()], [network], datetime.now(timezone.utc))
        worker = publish(project)
        status, error = deliveries(project)[network]
        with project.sessions() as session:
            held = session.scalars(select(RateLimit).where(RateLimit.action == "post")).one()
        calls = len(proxy.records)
        worker.run_due()  # at once: nothing goes to the network while the reset says to wait
        assert len(proxy.records) == calls
        time.sleep(max((held.reset_at - datetime.now(timezone.utc)).total_seconds(), 0) + 0.1)
        worker.run_due()
        violations, uploads = proxy.violations, [r for r in proxy.records if r.path == UPLOAD_ROUTES[network]]
    assert status == "scheduled" and "rate limit" in error.lower(), error
    assert held.remaining == 0 and held.reset_at > datetime.now(timezone.utc) - timedelta(seconds=5)
    assert violations == []
    assert [r.outcome for r in uploads] == ["429", "forwarded"]
    assert deliveries(project)[network] == ("published", None)
    assert len(recorded_media(project)[network]) == 1


def test_each_upload_counts_against_the_accounts_allowance_and_waits_for_its_reset(project, networks, x_api, clock):
    x_api.stop()
    # Three tweets in a 10-minute window: the posts' allowance; the media routes' own windows are longer and wider.
    with XApiServer(*X_KEYS.values(), post_limit=3, post_window=600) as limited:
        configure(project, limited.base_url, "http://127.0.0.1:9", "http://127.0.0.1:9", networks["handle"])
        queue_with_images(project, "A first post, without images.", [], ["x"], clock.now)
        publish(project, clock)  # the answer says two posts are left
        queue_with_images(project, TEXT, [photo(), flyer()], ["x"], clock.now)
        worker = publish(project, clock)  # the post, then one upload: the second upload must wait
        with project.sessions() as session:
            waiting = session.scalars(select(Delivery).order_by(Delivery.id.desc()).limit(1)).one()
            reason = session.scalars(select(LogEntry.reason).where(LogEntry.event == "waiting")).one()
        assert (waiting.status, len(limited.media)) == ("scheduled", 1)
        assert "allowance is used up" in reason
        clock.now = waiting.run_at + timedelta(seconds=1)
        worker.run_due()
        tweet = limited.created[-1]
        assert len(tweet["media_ids"]) == 2 and len(limited.media) == 2  # the first upload reused, not repeated
    assert [status for status, _ in deliveries_in_order(project)] == ["published", "published"]


def deliveries_in_order(project) -> list[tuple[str, str | None]]:
    with project.sessions() as session:
        return session.execute(select(Delivery.status, Delivery.last_error).order_by(Delivery.id)).all()


@pytest.mark.parametrize("kind, words", [("413", "as too large"), ("400", "it takes JPEG, PNG, WebP and GIF")])
def test_an_image_x_refuses_for_good_fails_the_delivery_naming_the_image(project, networks, x_api, clock, kind,
                                                                        words):
    x_api.fail_next(kind, path_prefix="/2/media/upload")
    queue_with_images(project, TEXT, [photo()], ["x"], clock.now)
    publish(project, clock)
    status, error = deliveries(project)["x"]
    assert status == "failed" and "X refused the image " in error and words in error, error
    assert "640×480 JPEG" in error and "alt text \"Six people laughing" in error
    assert x_api.created == []


def test_an_upload_older_than_the_network_keeps_it_is_sent_again_when_the_post_goes_a_day_later(
        project, networks, x_api, clock):
    configure(project, x_api.base_url, "http://127.0.0.1:9", "http://127.0.0.1:9", networks["handle"],
              worker="missed_after_minutes = 3000\n")  # a post held for a day still goes
    x_api.fail_next("500", path_prefix="/2/tweets")
    queue_with_images(project, TEXT, [photo()], ["x"], clock.now)
    worker = publish(project, clock)
    [first] = recorded_media(project)["x"]
    x_api.expire_media()  # a day on, X has let go of the upload no tweet used
    clock.now += timedelta(hours=25)
    worker.run_due()
    [tweet] = x_api.created
    [second] = recorded_media(project)["x"]
    assert second[4] != first[4] and tweet["media_ids"] == [second[4]]
    assert x_api.media[second[4]]["alt"] == CAFE
    assert deliveries(project)["x"] == ("published", None)


def test_an_upload_recorded_twice_for_one_part_keeps_the_first_and_hands_it_back(project, networks, x_api, clock):
    queue_with_images(project, TEXT, [photo()], ["x"], clock.now)
    with project.sessions() as session:
        [claimed] = dispatch.load_claimed(session, session.scalars(select(Delivery.id)).all())
    first, second = (Uploaded(remote_id=media_id, alt=CAFE, width=640, height=480, digest="d" * 64)
                     for media_id in ("111", "222"))
    with project.sessions.begin() as session:
        # A worker that settled a stalled one's claim recorded its upload first; the stalled one then finishes its own.
        assert dispatch.record_media(session, claimed, 1, 1, first, "the image", clock.now) == first
        assert dispatch.record_media(session, claimed, 1, 1, second, "the image", clock.now) == first
    assert [row[4] for row in recorded_media(project)["x"]] == ["111"]
    assert len(uploads_logged(project, "x")) == 1


# The outbox ------------------------------------------------------------------------------------------------------


def test_deleting_a_post_from_the_outbox_deletes_its_image_files_unless_another_line_uses_them(project, clock):
    project.init_db()
    shared = photo()
    first = queue_with_images(project, TEXT, [shared, flyer()], ["outbox"], clock.now)
    queue_with_images(project, "The same photo again, a week later.", [shared], ["outbox"], clock.now)
    publish(project, clock)
    folder = project.outbox.with_name("outbox-images")
    line_one, line_two = project.outbox_lines()
    files = [image["file"] for image in line_one["images"]]
    assert line_two["images"][0]["file"] == files[0] and all(folder.joinpath(f).is_file() for f in files)
    with transaction(project.sessions) as session:
        deletion.request(session, first, "withdrawn by the storyteller", "admin@example.org", clock.now)
    publish(project, clock)
    assert [line["text"] for line in project.outbox_lines()] == ["The same photo again, a week later."]
    assert sorted(path.name for path in folder.iterdir()) == [files[0].rsplit("/", 1)[-1]]
