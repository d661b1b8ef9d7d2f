"""Images on X: the publisher's v2 media upload and alt text, against the loopback X server, signatures verified."""

import io
import os
import time

import pytest
from PIL import Image

from recovery_voice.config import Account
from recovery_voice.publishers import FinalError, Outgoing, Part, PartImage, RetryableError
from recovery_voice.publishers.x import XPublisher

from xapi import XApiServer

SECRETS = {"consumer_key_env": "RV_XM_CK", "consumer_secret_env": "RV_XM_CS",
           "access_token_env": "RV_XM_AT", "access_token_secret_env": "RV_XM_ATS"}
VALUES = {"RV_XM_CK": "consumer-key", "RV_XM_CS": "consumer-secret", "RV_XM_AT": "access-token",
          "RV_XM_ATS": "access-token-secret"}


@pytest.fixture
def x_api():
    with XApiServer("consumer-key", "consumer-secret", "access-token", "access-token-secret",
                    username="ourcommunity") as server:
        yield server


@pytest.fixture
def publisher(x_api, monkeypatch):
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    account = Account(name="x", platform="x", base_url=x_api.base_url, secret_envs=SECRETS)
    return XPublisher(account, timeout=5)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gradient(width: int, height: int) -> Image.Image:
    """A smooth test picture, as a fitted photo would be."""
    return Image.linear_gradient("L").resize((width, height)).convert("RGB")


def part_image(data: bytes, mime: str, width: int, height: int, alt: str = "") -> PartImage:
    return PartImage(data=data, mime=mime, alt=alt, width=width, height=height, digest=f"sha256-{len(data)}")


def jpeg(width=640, height=480, alt="The café's Tuesday flyer: tea, toast and a warm welcome from 10am.") -> PartImage:
    return part_image(encoded(gradient(width, height), "JPEG", quality=85), "image/jpeg", width, height, alt)


def png(width=320, height=200, alt="A hand-drawn map of the walk along the canal.") -> PartImage:
    return part_image(encoded(gradient(width, height), "PNG"), "image/png", width, height, alt)


def first_part(text: str, media=()) -> Part:
    return Part(outgoing=Outgoing(delivery_id=1, post_id=1, text=text), number=1, count=1, text=text,
                media=tuple(media))


def test_two_images_arrive_with_their_alt_text_and_the_tweet_carries_both_ids(publisher, x_api):
    photo, map_ = jpeg(), png()
    uploaded = [publisher.upload(photo), publisher.upload(map_)]
    published = publisher.publish(first_part("Café and walk this week.", uploaded))
    stored = x_api.media
    assert [stored[u.remote_id]["data"] for u in uploaded] == [photo.data, map_.data]  # the bytes sent, unchanged
    assert [stored[u.remote_id]["alt"] for u in uploaded] == [photo.alt, map_.alt]
    assert [(u.alt, u.width, u.height, u.digest) for u in uploaded] == [
        (photo.alt, 640, 480, photo.digest), (map_.alt, 320, 200, map_.digest)]
    [tweet] = x_api.created
    assert tweet["id"] == published.remote_id and tweet["media_ids"] == [u.remote_id for u in uploaded]
    assert [r.path for r in x_api.requests] == ["/2/media/upload", "/2/media/metadata"] * 2 + ["/2/tweets"]
    assert all(r.signature_ok and r.status in (200, 201) for r in x_api.requests)


def test_the_upload_is_multipart_with_the_tweet_image_category(publisher, x_api):
    publisher.upload(jpeg())
    upload = x_api.requests[0]
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="media_category"\r\n\r\ntweet_image\r\n' in upload.body


def test_a_post_without_images_sends_no_media_field(publisher, x_api):
    publisher.publish(first_part("Just words today."))
    assert "media" not in x_api.requests[-1].json


def test_a_decorative_image_is_uploaded_without_alt_text(publisher, x_api):
    uploaded = publisher.upload(png(alt=""))
    assert [r.path for r in x_api.requests] == ["/2/media/upload"]
    assert x_api.media[uploaded.remote_id]["alt"] is None and uploaded.alt == ""


def test_an_image_over_5_mb_is_a_final_error_that_names_the_image(publisher, x_api):
    noise = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    big = part_image(encoded(noise, "PNG", compress_level=0), "image/png", 1400, 1400, alt="Static.")
    with pytest.raises(FinalError) as refused:
        publisher.upload(big)
    message = str(refused.value)
    assert "too large" in message and "5 MB" in message and "1400×1400 PNG" in message
    assert not refused.value.account_problem and x_api.requests[0].status == 413 and x_api.media == {}


def test_a_kind_of_file_x_does_not_take_is_a_final_error_that_names_the_image(publisher, x_api):
    bitmap = part_image(encoded(gradient(64, 64), "BMP"), "image/bmp", 64, 64, alt="A square.")
    with pytest.raises(FinalError) as refused:
        publisher.upload(bitmap)
    assert "64×64 BMP" in str(refused.value) and "JPEG, PNG, WebP and GIF" in str(refused.value)
    assert x_api.requests[0].status == 400 and x_api.media == {}


def test_alt_text_over_xs_1000_characters_is_a_final_error(publisher, x_api):
    with pytest.raises(FinalError) as refused:
        publisher.upload(jpeg(alt="A long description. " * 60))
    assert "alt text of at most 1,000 characters" in str(refused.value)
    assert [r.status for r in x_api.requests] == [200, 400]


def test_a_server_error_on_upload_is_retryable(publisher, x_api):
    x_api.fail_next("503", path_prefix="/2/media/upload")
    with pytest.raises(RetryableError) as failed:
        publisher.upload(jpeg())
    assert "server error" in str(failed.value) and x_api.media == {}
    assert publisher.upload(jpeg()).remote_id in x_api.media


def test_a_lost_answer_to_an_upload_is_retryable_because_no_post_exists(publisher, x_api):
    x_api.fail_next("drop", path_prefix="/2/media/upload")
    with pytest.raises(RetryableError) as failed:
        publisher.upload(jpeg())
    assert "uploaded again, which makes no post" in str(failed.value) and "640×480 JPEG" in str(failed.value)
    assert len(x_api.media) == 1 and x_api.created == []  # X kept an orphan upload, which expires by itself


def test_a_rate_limit_on_upload_waits_until_xs_reset(publisher, x_api):
    x_api.fail_next("429", path_prefix="/2/media/upload", reset_in=300)
    with pytest.raises(RetryableError) as limited:
        publisher.upload(jpeg())
    assert limited.value.rate_limited and abs(limited.value.retry_at.timestamp() - (time.time() + 300)) < 5


def test_media_calls_report_their_allowance_like_posts(publisher, x_api):
    publisher.upload(png(alt=""))
    info = publisher.rate_info()
    expected = x_api.rate_limit("POST /2/media/upload")
    assert (info.remaining, info.limit) == (int(expected["x-rate-limit-remaining"]), 500)


def test_a_wrong_secret_is_refused_as_an_account_problem(x_api, monkeypatch):
    for name, value in {**VALUES, "RV_XM_CS": "not-the-secret"}.items():
        monkeypatch.setenv(name, value)
    publisher = XPublisher(Account(name="x", platform="x", base_url=x_api.base_url, secret_envs=SECRETS), timeout=5)
    with pytest.raises(FinalError) as refused:
        publisher.upload(jpeg())
    assert refused.value.account_problem and "credentials" in str(refused.value)
    assert x_api.requests[0].auth_error == "invalid signature" and x_api.media == {}


def test_the_bytes_x_receives_are_exactly_the_fitted_bytes_so_metadata_left_in_would_arrive(publisher, x_api):
    # The publisher never re-encodes: stripping is the media module's job, before a PartImage exists. This
    # checks a test can read the received file back and find GPS in it when it was sent, and none when not.
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (53.0, 28.0, 1.5), 3: "W", 4: (2.0, 14.0, 40.2)}  # GPSInfo: a meeting place
    tagged = encoded(gradient(200, 100), "JPEG", exif=exif)
    uploaded = [publisher.upload(part_image(data, "image/jpeg", 200, 100, alt="A street corner."))
                for data in (tagged, encoded(gradient(200, 100), "JPEG"))]
    received = [Image.open(io.BytesIO(x_api.media[u.remote_id]["data"])).getexif() for u in uploaded]
    assert received[0].get_ifd(0x8825)[1] == "N" and not received[1].get_ifd(0x8825) and 0x8825 not in received[1]
