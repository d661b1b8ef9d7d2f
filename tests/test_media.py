"""Images: bad files refused with a plain message, metadata gone after storing, and fitting to each network."""

import hashlib
import io
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from recovery_voice.config import ConfigError, parse_config
from recovery_voice.attachments import part_image
from recovery_voice.media import (
    NETWORK_LIMITS, ImageLimits, ImageProblem, find_stored, fit, fit_many, mastodon_limits, store,
)
from recovery_voice.publishers import PartImage

from imagekit import (
    SECRET_WORDS, encoded, gradient_noise, phone_photo, png_header, screenshot,
)

MASTODON_SOCIAL = {"configuration": {"media_attachments": {
    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/heic", "image/webp", "video/mp4"],
    "image_size_limit": 16_777_216, "image_matrix_limit": 33_177_600}}}


def files_in(folder: Path) -> list[Path]:
    """Every file under `folder` (none if it does not exist)."""
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def media(tmp_path) -> Path:
    """A media folder that does not exist yet, as on a fresh install."""
    return tmp_path / "data" / "media"


# ---------------------------------------------------------------- storing


def test_it_stores_a_photo_with_no_exif_gps_xmp_iptc_icc_or_comment_left(media):
    data = phone_photo()
    with Image.open(io.BytesIO(data)) as original:  # the test image really carries it all
        assert original.getexif().get_ifd(0x8825)[2] == (51.0, 30.0, 12.34)
        assert {"exif", "xmp", "icc_profile", "comment", "photoshop"} <= set(original.info)
    stored = store(data, "IMG_0042.JPG", media)
    kept = stored.path.read_bytes()
    for secret in SECRET_WORDS:
        assert secret not in kept, secret
    with Image.open(stored.path) as again:
        assert again.format == "JPEG" and stored.mime == "image/jpeg"
        assert not again.getexif() and not again.getexif().get_ifd(0x8825)
        assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(again.info)
    assert data not in kept and files_in(media) == [stored.path]


def test_it_applies_the_orientation_before_dropping_it(media):
    picture = Image.new("RGB", (300, 200), "red")
    picture.paste(Image.new("RGB", (150, 200), "blue"), (150, 0))  # left red, right blue, as the sensor saw it
    stored = store(phone_photo(picture, orientation=6), "sideways.jpg", media)  # 6: turn a quarter clockwise
    with Image.open(stored.path) as upright:
        assert upright.size == (200, 300) == (stored.width, stored.height)
        top, bottom = upright.convert("RGB").getpixel((100, 20)), upright.convert("RGB").getpixel((100, 280))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_it_names_the_file_by_the_digest_of_the_stored_bytes_and_keeps_it_private(media):
    photo = phone_photo()
    stored = store(photo, "walk.jpeg", media)
    assert stored.path == media / f"{stored.digest}.jpg"
    assert hashlib.sha256(stored.path.read_bytes()).hexdigest() == stored.digest
    assert stat.S_IMODE(media.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o600
    again = store(photo, "walk-copy.jpg", media)  # the same picture twice is kept once
    assert again.path == stored.path and files_in(media) == [stored.path]
    assert find_stored(media, stored.digest).path == stored.path


def test_it_keeps_png_as_png_webp_as_webp_and_turns_a_still_gif_into_png_with_its_transparency(media):
    picture = gradient_noise(120, 80)
    assert store(encoded(picture, "PNG"), "chart.png", media).mime == "image/png"
    assert store(encoded(picture, "WEBP", quality=80), "photo.webp", media).mime == "image/webp"
    drawing = Image.new("P", (60, 40), 0)
    drawing.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    ImageDraw.Draw(drawing).rectangle((10, 10, 50, 30), fill=1)
    gif = store(encoded(drawing, "GIF", transparency=0), "logo.gif", media)
    with Image.open(gif.path) as again:
        assert again.format == "PNG" and again.convert("RGBA").getpixel((0, 0))[3] == 0
        assert again.convert("RGBA").getpixel((20, 20)) == (200, 30, 30, 255)


BAD_FILES = {
    "not-image": (lambda: b"Minutes of the Tuesday meeting\n" * 40, "minutes.jpg", "is not an image"),
    "wrong-extension": (lambda: encoded(gradient_noise(64, 64), "PNG"), "photo.jpg", "is named .jpg but is really a PNG"),
    "damaged": (lambda: phone_photo()[:20_000], "cut.jpg", "cut short or damaged"),
    "too-large": (lambda: b"\xff\xd8\xff\xe0" + bytes(20_000_001), "huge.jpg", "over the 20 MB limit"),
    "too-many-pixels": (lambda: png_header(10_000, 5_001), "poster.png", "over the 50-megapixel limit"),
    "animated": (lambda: encoded(Image.new("RGB", (20, 20), "red"), "GIF", save_all=True,
                                 append_images=[Image.new("RGB", (20, 20), "blue")]), "dance.gif", "animated GIF"),
    "unsupported": (lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100), "IMG_1.heic",
                    "HEIC photo"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_it_refuses_each_bad_kind_of_file_naming_it_and_storing_nothing(media, kind):
    make, name, words = BAD_FILES[kind]
    with pytest.raises(ImageProblem) as refused:
        store(make(), f"uploads/{name}", media)
    assert refused.value.kind == kind
    message = str(refused.value)
    assert message.startswith(f"{name}: ") and words in message and ("attach" in message or "check" in message)
    assert files_in(media) == []


@pytest.mark.parametrize("width, height", [(30_000, 30_000), (10_000, 10_000)])
def test_it_refuses_a_decompression_bomb_without_decoding_it(media, width, height):
    with pytest.raises(ImageProblem) as refused:
        store(png_header(width, height), "bomb.png", media)  # 900 and 100 megapixels claimed in a 100-byte file
    assert refused.value.kind == "bomb" and "decompression bomb" in str(refused.value)
    assert files_in(media) == []


def test_it_refuses_animated_webp_and_png_too(media):
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    for fmt, name in (("WEBP", "moving.webp"), ("PNG", "moving.png")):
        data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
        with pytest.raises(ImageProblem, match="animated") as refused:
            store(data, name, media)
        assert refused.value.kind == "animated"
    assert files_in(media) == []


def test_it_takes_exactly_20_mb_and_exactly_50_megapixels_and_refuses_one_more(media):
    small = encoded(gradient_noise(40, 40), "PNG")
    assert store(small + bytes(20_000_000 - len(small)), "padded.png", media).width == 40
    with pytest.raises(ImageProblem) as refused:
        store(small + bytes(20_000_001 - len(small)), "padded.png", media)
    assert refused.value.kind == "too-large"
    with pytest.raises(ImageProblem) as refused:  # 50,000,000 pixels passes the pixel check (then the data is short)
        store(png_header(10_000, 5_000), "poster.png", media)
    assert refused.value.kind == "damaged"


def test_it_names_only_the_file_not_its_folder_or_control_characters(media):
    with pytest.raises(ImageProblem) as refused:
        store(b"nope", "C:\\Users\\sam\\Desktop\\notes\x1b[31m.txt", media)
    assert str(refused.value).startswith("notes[31m.txt: is not an image")


# ---------------------------------------------------------------- fitting


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory):
    """A 12-megapixel noisy photo with GPS, stored once for the fitting tests."""
    media = tmp_path_factory.mktemp("photo") / "media"
    return store(phone_photo(gradient_noise(4000, 3000)), "big.jpg", media), media


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon"])
def test_a_big_noisy_photo_fits_each_network_and_stays_at_least_2000_px_long(big_photo, network):
    stored, media = big_photo
    limits = mastodon_limits(MASTODON_SOCIAL) if network == "mastodon" else NETWORK_LIMITS[network]
    fitted = fit(stored, limits, media)
    assert fitted.path.stat().st_size <= limits.max_bytes
    assert max(fitted.width, fitted.height) >= 2000 and not fitted.note
    assert abs(fitted.width / fitted.height - 4 / 3) < 0.01
    data = fitted.read()
    assert hashlib.sha256(data).hexdigest() == fitted.digest
    for secret in SECRET_WORDS:
        assert secret not in data
    with Image.open(fitted.path) as image:
        assert image.size == (fitted.width, fitted.height) and image.format == "JPEG"
        assert not image.getexif()


def test_the_photo_is_only_made_smaller_once_lower_quality_is_not_enough(big_photo, tmp_path):
    stored, media = big_photo
    roomy = fit(stored, ImageLimits(int(stored.path.stat().st_size * 0.8)), tmp_path)
    assert (roomy.width, roomy.height) == (4000, 3000)  # quality alone was enough
    tight = fit(stored, ImageLimits(100_000), tmp_path)  # too small for 2,000 px: it says so
    assert tight.path.stat().st_size <= 100_000 and max(tight.width, tight.height) < 2000
    assert "smaller than 2000 px" in tight.note


def test_an_image_read_back_from_the_media_folder_is_fitted_too(big_photo, tmp_path):
    stored, media = big_photo
    on_disk = find_stored(media, stored.digest)
    assert on_disk.image is None and (on_disk.width, on_disk.height, on_disk.mime) == (4000, 3000, "image/jpeg")
    fitted = fit(on_disk, NETWORK_LIMITS["bluesky"], tmp_path)
    assert fitted.path.stat().st_size <= 2_000_000 and (fitted.width, fitted.height) == (4000, 3000)


def test_it_keeps_within_a_servers_pixel_limit_and_aspect_ratio(big_photo, tmp_path):
    stored, _ = big_photo
    fitted = fit(stored, ImageLimits(16_000_000, max_pixels=4_000_000), tmp_path)
    assert fitted.width * fitted.height <= 4_000_000 and abs(fitted.width / fitted.height - 4 / 3) < 0.01


def test_a_photo_that_already_fits_is_sent_as_stored(media):
    stored = store(phone_photo(), "small.jpg", media)
    fitted = fit(stored, NETWORK_LIMITS["bluesky"], media)
    assert fitted.path == stored.path and fitted.digest == stored.digest and not (media / "fitted").exists()


def test_the_fitted_variant_is_made_once_and_read_from_the_cache_after(big_photo, tmp_path):
    stored, _ = big_photo
    first = fit(stored, NETWORK_LIMITS["bluesky"], tmp_path)
    made_at = first.path.stat().st_mtime_ns
    again = fit(find_stored(stored.path.parent, stored.digest), NETWORK_LIMITS["bluesky"], tmp_path)
    assert not first.from_cache and again.from_cache
    assert again.path == first.path and again.digest == first.digest and first.path.stat().st_mtime_ns == made_at
    assert stat.S_IMODE((tmp_path / "fitted").stat().st_mode) == 0o700
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600


def test_a_png_screenshot_with_text_stays_a_sharp_png_under_the_limit(media):
    picture = screenshot()
    stored = store(encoded(picture, "PNG"), "rota.png", media)
    limit = int(stored.path.stat().st_size * 0.7)  # too big as stored: it must be made smaller
    fitted = fit(stored, ImageLimits(limit), media)
    assert fitted.mime == "image/png" and fitted.path.stat().st_size <= limit
    with Image.open(fitted.path) as image:
        assert image.size == picture.size  # same pixels, not scaled
        difference = ImageChops.difference(picture, image.convert("RGB")).convert("L")
    assert sum(index * count for index, count in enumerate(difference.histogram())) / (2560 * 1440) < 2


def test_a_network_without_webp_gets_a_jpeg(media):
    stored = store(encoded(gradient_noise(300, 200), "WEBP", quality=90), "walk.webp", media)
    fitted = fit(stored, ImageLimits(5_000_000, mimes=frozenset({"image/jpeg", "image/png"})), media)
    assert fitted.mime == "image/jpeg" and fitted.path.suffix == ".jpg"


def test_fit_many_fits_one_image_for_every_network(big_photo, tmp_path):
    stored, _ = big_photo
    fitted = fit_many(stored, [NETWORK_LIMITS["x"], NETWORK_LIMITS["bluesky"]], tmp_path)
    assert [f.path.stat().st_size <= limit for f, limit in zip(fitted, (5_000_000, 2_000_000))] == [True, True]


def test_mastodon_limits_come_from_the_instance_and_have_safe_defaults():
    limits = mastodon_limits(MASTODON_SOCIAL)
    assert (limits.max_bytes, limits.max_pixels) == (16_777_216, 33_177_600)
    assert limits.mimes == {"image/jpeg", "image/png", "image/gif", "image/webp"}
    assert mastodon_limits(MASTODON_SOCIAL["configuration"]) == limits  # the configuration part alone
    old = mastodon_limits({"configuration": {"media_attachments": {"image_size_limit": "lots"}}})
    assert (old.max_bytes, old.max_pixels) == (10_485_760, 16_777_216)
    only_jpeg = mastodon_limits({"media_attachments": {"supported_mime_types": ["image/jpeg"]}})
    assert only_jpeg.mimes == {"image/jpeg"}


def test_a_fitted_image_becomes_the_publishers_part_image_with_its_alt_text(media):
    stored = store(phone_photo(), "cafe.jpg", media)
    fitted = fit(stored, NETWORK_LIMITS["x"], media)
    part = part_image(fitted, "Six people laughing round a café table")
    assert isinstance(part, PartImage)
    assert (part.mime, part.width, part.height, part.digest) == ("image/jpeg", 640, 480, stored.digest)
    assert part.data == stored.path.read_bytes() and part.alt.startswith("Six people")


# ---------------------------------------------------------------- config


def test_the_media_folder_defaults_to_media_beside_the_config_and_can_be_moved(tmp_path):
    config_file = tmp_path / "config.toml"
    assert parse_config({}, config_file).media_dir == tmp_path / "media"
    assert parse_config({"media": {"path": "pictures"}}, config_file).media_dir == tmp_path / "pictures"
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(ConfigError, match=r"\[media\] path: .*taken is a file, not a folder"):
        parse_config({"media": {"path": "taken"}}, config_file)
    with pytest.raises(ConfigError, match="unknown key 'folder'"):
        parse_config({"media": {"folder": "x"}}, config_file)
