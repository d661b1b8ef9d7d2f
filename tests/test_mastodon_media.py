"""Images on Mastodon: uploaded with their alt text, awaited while the server processes them, attached to the status.

Against mastodon-mock on loopback (tests/mastodonserver.py), whose wrapper answers uploads 202 and polls 206 while
"processing" when asked to, as real Mastodon does.
"""

import hashlib
import itertools
from io import BytesIO

import pytest
import requests
from PIL import Image, ImageDraw

from recovery_voice.config import Account
from recovery_voice.publishers import FinalError, Outgoing, Part, PartImage, RetryableError
from recovery_voice.publishers.mastodon import MastodonPublisher

from faultproxy import FaultProxy, route
from mastodonserver import MastodonServer

numbers = itertools.count(1)


@pytest.fixture(scope="module")
def mastodon():
    with MastodonServer() as server:
        yield server


@pytest.fixture
def token(mastodon):
    """A fresh user per test, so no test sees another's statuses; uploads processed at once unless a test asks."""
    mastodon.process_media_slowly(0)
    mastodon.clear_faults()
    return mastodon.create_user(f"media{next(numbers)}")


def publisher_for(base_url, token, monkeypatch, **options) -> MastodonPublisher:
    monkeypatch.setenv("RV_MASTODON_TOKEN", token)
    account = Account(name="mastodon", platform="mastodon", base_url=base_url,
                      secret_envs={"access_token_env": "RV_MASTODON_TOKEN"})
    return MastodonPublisher(account, timeout=options.pop("timeout", 2.0), **options)


@pytest.fixture
def publisher(mastodon, token, monkeypatch):
    return publisher_for(mastodon.base_url, token, monkeypatch)


def picture(alt="Volunteers pouring tea at the Tuesday café", size=(640, 480), kind="JPEG", colour=(30, 120, 90)):
    """A real image made by Pillow, as the fitting code hands one over."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(240, 200, 60))
    out = BytesIO()
    image.save(out, kind)
    data = out.getvalue()
    return PartImage(data=data, mime=f"image/{kind.lower()}", alt=alt, width=size[0], height=size[1],
                     digest=hashlib.sha256(data).hexdigest())


def a_part(text="Our café is open. Come as you are.", warning=None, media=()):
    outgoing = Outgoing(delivery_id=next(numbers), post_id=1, text=text, content_warning=warning)
    return Part(outgoing, 1, 1, text, spoiler_text=warning, media=tuple(media))


def the_status(mastodon, token):
    [status] = mastodon.statuses(token=token)
    return status


def test_the_alt_text_arrives_as_the_description_and_the_status_carries_the_images_in_order(
        publisher, mastodon, token):
    images = [picture(), picture("A hand-drawn map to the meeting room", (400, 600), "PNG", (200, 40, 40))]
    uploaded = [publisher.upload(image) for image in images]
    publisher.publish(a_part(media=uploaded))
    status = the_status(mastodon, token)
    attached = status["media_attachments"]
    assert [m["id"] for m in attached] == [u.remote_id for u in uploaded]
    assert [m["description"] for m in attached] == [image.alt for image in images]
    direct = requests.Session()
    direct.trust_env = False  # loopback: never through a proxy
    assert [direct.get(m["url"], timeout=5).content for m in attached] == [image.data for image in images]
    assert [(u.alt, u.width, u.height, u.digest) for u in uploaded] == [
        (i.alt, i.width, i.height, i.digest) for i in images]
    assert status["sensitive"] is False


def test_an_upload_still_being_processed_is_awaited_before_the_status_is_posted(publisher, mastodon, token):
    mastodon.process_media_slowly(2)
    polled_before = mastodon.media_polls()
    image = picture()
    raw = mastodon.client(token=token).media_post(BytesIO(image.data), mime_type=image.mime, description=image.alt)
    assert raw["url"] is None  # the server answered 202: still processing
    with pytest.raises(Exception, match="not finished processing"):  # and a status naming it now is refused
        mastodon.client(token=token).status_post("too early", media_ids=[raw["id"]])
    uploaded = publisher.upload(image)
    assert mastodon.media_polls() - polled_before == 3  # two answers of "still processing", then done
    publisher.publish(a_part(media=[uploaded]))
    [attachment] = the_status(mastodon, token)["media_attachments"]
    assert attachment["id"] == uploaded.remote_id and attachment["url"]


def test_an_upload_the_server_never_finishes_processing_is_tried_again_later(mastodon, token, monkeypatch):
    mastodon.process_media_slowly(-1)
    publisher = publisher_for(mastodon.base_url, token, monkeypatch, processing_wait=1.0)
    with pytest.raises(RetryableError, match=r"still processing the image \w{12} .* after 1 s"):
        publisher.upload(picture())
    assert mastodon.statuses(token=token) == []


def test_a_content_warning_hides_the_images_too(publisher, mastodon, token):
    uploaded = publisher.upload(picture())
    publisher.publish(a_part(warning="mentions of relapse", media=[uploaded]))
    status = the_status(mastodon, token)
    assert (status["spoiler_text"], status["sensitive"]) == ("mentions of relapse", True)


def test_a_content_warning_without_images_does_not_mark_the_post_sensitive(publisher, mastodon, token):
    publisher.publish(a_part(warning="mentions of relapse"))
    assert the_status(mastodon, token)["sensitive"] is False


def test_a_decorative_image_goes_without_a_description(publisher, mastodon, token):
    uploaded = publisher.upload(picture(alt=""))
    publisher.publish(a_part(media=[uploaded]))
    [attachment] = the_status(mastodon, token)["media_attachments"]
    assert attachment["description"] is None


def test_an_image_the_server_refuses_is_final_and_named(publisher, mastodon):
    mastodon.add_fault("status", path="/api/v2/media", status=422,
                       body={"error": "Validation failed: File content type is invalid"})
    image = picture()
    with pytest.raises(FinalError) as refused:
        publisher.upload(image)
    message = str(refused.value)
    assert image.digest[:12] in message and "Volunteers pouring tea" in message and "640×480 JPEG" in message
    assert "File content type is invalid" in message and not refused.value.account_problem


@pytest.mark.parametrize("fault, status", [("ratelimit", None), ("status", 503), ("status", 500)])
def test_a_rate_limit_or_a_server_error_on_an_upload_is_tried_again(publisher, mastodon, fault, status):
    mastodon.add_fault(fault, path="/api/v2/media", status=status)
    with pytest.raises(RetryableError) as later:
        publisher.upload(picture())
    assert later.value.rate_limited == (fault == "ratelimit")


def test_a_lost_answer_to_an_upload_is_tried_again_since_no_post_was_made(mastodon, token, monkeypatch):
    with FaultProxy(mastodon.base_url, platform="mastodon", hold=1.0) as proxy:
        publisher = publisher_for(proxy.base_url, token, monkeypatch, timeout=0.5)
        proxy.fail_next("timeout", match=route("POST", "/api/v2/media"))
        with pytest.raises(RetryableError, match="an upload is not a post"):
            publisher.upload(picture())
        uploaded = publisher.upload(picture())  # the retry
        publisher.publish(a_part(media=[uploaded]))
    assert len(mastodon.statuses(token=token)) == 1


def test_the_media_limits_come_from_the_same_instance_lookup_as_the_length_limit(mastodon, token, monkeypatch):
    with FaultProxy(mastodon.base_url, platform="mastodon") as proxy:
        publisher = publisher_for(proxy.base_url, token, monkeypatch)
        assert publisher.max_length() == 500
        assert publisher.media_limits() == {"image_size_limit": 10_485_760, "image_matrix_limit": 16_777_216,
                                            "max_media_attachments": 4}
        assert [r.path for r in proxy.records if "instance" in r.path] == ["/api/v2/instance/"]


def test_a_server_without_the_v2_instance_api_gives_its_media_limits_from_v1(mastodon, token, monkeypatch):
    with FaultProxy(mastodon.base_url, platform="mastodon") as proxy:
        proxy.fail_next("404", count=100, match=route("GET", "/api/v2/instance"))
        publisher = publisher_for(proxy.base_url, token, monkeypatch)
        assert publisher.media_limits()["image_size_limit"] == 10_485_760
        assert publisher.max_length() == 500
