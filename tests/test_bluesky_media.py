"""Images on Bluesky: uploaded as blobs, put on the part's record with their alt text and aspect ratio.

Against the real PDS on loopback (tests/pdsserver.py); the record and the blob are fetched back from it.
"""

import hashlib
import itertools
import json
import os
import urllib.parse
import urllib.request
from dataclasses import replace
from io import BytesIO

import pytest
from PIL import Image, ImageDraw

from recovery_voice.config import Account
from recovery_voice.publishers import FinalError, Outgoing, Part, PartImage, RetryableError, Uploaded
from recovery_voice.publishers.bluesky import BlueskyPublisher
from recovery_voice.publishers.tid import new_tid, part_rkey

from faultproxy import FaultProxy, route
from pdsserver import start_or_skip
from test_bluesky_publisher import POST, new_account

numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip(did_doc_with_session=False)  # the SDK stays on a proxy's URL after logging in
    yield server
    server.stop()


def publisher_for(base_url, account, monkeypatch, timeout=2.0) -> BlueskyPublisher:
    monkeypatch.setenv("RV_BSKY_PASSWORD", account["app_password"])
    config = Account(name="bluesky", platform="bluesky", base_url=base_url, handle=account["handle"],
                     secret_envs={"app_password_env": "RV_BSKY_PASSWORD"})
    return BlueskyPublisher(config, timeout=timeout)


def picture(alt, size, kind="JPEG", colour=(30, 120, 90)):
    """A real image made by Pillow, as the fitting code hands one over."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((size[0] // 5, size[1] // 5, size[0] // 2, size[1] // 2), fill=(250, 250, 250))
    out = BytesIO()
    image.save(out, kind)
    return image_of(out.getvalue(), f"image/{kind.lower()}", alt, size)


def image_of(data, mime, alt, size):
    return PartImage(data=data, mime=mime, alt=alt, width=size[0], height=size[1],
                     digest=hashlib.sha256(data).hexdigest())


def a_part(text="Our walk on Saturday, in pictures.", media=()):
    outgoing = Outgoing(delivery_id=next(numbers), post_id=1, text=text, remote_key=new_tid())
    return Part(outgoing, 1, 1, text, media=tuple(media))


def blob_bytes(pds, did, cid) -> bytes:
    """com.atproto.sync.getBlob: the bytes the PDS keeps and serves."""
    query = urllib.parse.urlencode({"did": did, "cid": cid})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    with direct.open(f"{pds.url}/xrpc/com.atproto.sync.getBlob?{query}", timeout=10) as answer:
        return answer.read()


def as_stored(uploaded: Uploaded) -> Uploaded:
    """The Uploaded the worker gets back from the database: its blob reference written as JSON and read again."""
    return replace(uploaded, ref=json.loads(json.dumps(uploaded.ref)))


def test_a_part_with_two_images_carries_their_alt_text_and_aspect_ratio_and_the_exact_bytes(pds, monkeypatch):
    account = new_account(pds, "media")
    publisher = publisher_for(pds.url, account, monkeypatch)
    images = [picture("Six of us on the cliff path, waving", (800, 450)),
              picture("The flyer: walks every Saturday at 10 from the church hall", (600, 900), "PNG", (200, 60, 60))]
    uploaded = [as_stored(publisher.upload(image)) for image in images]
    part = a_part(media=uploaded)
    publisher.publish(part)
    record = pds.get_record(account["did"], POST, part_rkey(part))["value"]
    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [(i["alt"], i["aspectRatio"]["width"], i["aspectRatio"]["height"]) for i in embed["images"]] == [
        ("Six of us on the cliff path, waving", 800, 450),
        ("The flyer: walks every Saturday at 10 from the church hall", 600, 900)]
    assert [i["image"]["ref"]["$link"] for i in embed["images"]] == [u.remote_id for u in uploaded]
    assert [i["image"]["mimeType"] for i in embed["images"]] == ["image/jpeg", "image/png"]
    assert [blob_bytes(pds, account["did"], u.remote_id) for u in uploaded] == [i.data for i in images]
    assert record["text"] == "Our walk on Saturday, in pictures."


def test_a_decorative_image_has_an_empty_alt_text_which_the_record_still_carries(pds, monkeypatch):
    account = new_account(pds, "media")
    publisher = publisher_for(pds.url, account, monkeypatch)
    part = a_part(media=[publisher.upload(picture("", (300, 300)))])
    publisher.publish(part)
    [image] = pds.get_record(account["did"], POST, part_rkey(part))["value"]["embed"]["images"]
    assert image["alt"] == "" and (image["aspectRatio"]["width"], image["aspectRatio"]["height"]) == (300, 300)


def test_an_image_over_the_blob_limit_is_refused_naming_it_and_the_older_limit(pds, monkeypatch):
    account = new_account(pds, "media")
    publisher = publisher_for(pds.url, account, monkeypatch)
    noise = Image.frombytes("RGB", (900, 800), os.urandom(900 * 800 * 3))  # incompressible: over 2,000,000 bytes
    out = BytesIO()
    noise.save(out, "PNG", compress_level=1)
    big = image_of(out.getvalue(), "image/png", "Static on an old television", (900, 800))
    assert len(big.data) > 2_000_000
    small = publisher.upload(picture("A cup of tea", (200, 200)))
    part = a_part(media=[small, publisher.upload(big)])
    with pytest.raises(FinalError) as refused:
        publisher.publish(part)
    message = str(refused.value)
    assert f"image 2 ({len(big.data):,} bytes)" in message and "image 1" not in message
    assert "2,000,000" in message and "1,000,000" in message
    assert pds.get_record(account["did"], POST, part_rkey(part)) is None


def test_a_lost_answer_to_an_upload_is_tried_again_since_no_post_was_made(pds, monkeypatch):
    account = new_account(pds, "media")
    with FaultProxy(pds.url, platform="bluesky", hold=1.5) as proxy:
        publisher = publisher_for(proxy.base_url, account, monkeypatch, timeout=1.0)
        publisher.check()  # signed in before the fault, so the fault meets the upload
        proxy.fail_next("timeout", match=route("POST", "/xrpc/com.atproto.repo.uploadBlob"))
        image = picture("The garden in May", (400, 300))
        with pytest.raises(RetryableError, match="an upload is not a post"):
            publisher.upload(image)
        part = a_part(media=[publisher.upload(image)])
        publisher.publish(part)
    assert pds.get_record(account["did"], POST, part_rkey(part))["value"]["embed"]["images"][0]["alt"] == \
        "The garden in May"
