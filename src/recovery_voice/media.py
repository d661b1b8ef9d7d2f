"""Images: refused when bad, stored without their metadata, and fitted to each network's limits.

`store` decodes an upload and re-encodes it with no EXIF, GPS, XMP, IPTC, ICC profile, comment or
thumbnail (orientation applied first), so the original bytes never reach the disk or a network.
`fit` makes (once, then from a cache on disk) the variant of a stored image that one network takes.
"""

import hashlib
import io
import math
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, JpegImagePlugin

MAX_UPLOAD_BYTES = 20_000_000
MAX_PIXELS = 50_000_000
DISPLAY_LONG_SIDE = 2000  # Bluesky and Mastodon show images up to this size: fitting never goes below it
STORE_QUALITY = 92
QUALITY_FLOOR = 60
MIMES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
ALL_MIMES = frozenset(MIMES.values())
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
NAME_SUFFIXES = {"JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"}, "PNG": {".png", ".apng"}, "WEBP": {".webp"},
                 "GIF": {".gif"}}
KIND_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
DIGEST = re.compile(r"[0-9a-f]{64}")  # how a stored image is named: the SHA-256 of its bytes
FITTED = "fitted"  # the subfolder of the media folder that caches fitted variants
# Formats people try to attach that we can recognise but not take, with what to do instead.
OTHER_FORMATS = (
    (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"), (b"BM", "a BMP image"),
    (b"8BPS", "a Photoshop file"), (b"%PDF", "a PDF document"), (b"\x00\x00\x01\x00", "an icon file"),
)
HEIF_BRANDS = {b"heic": "a HEIC photo", b"heix": "a HEIC photo", b"mif1": "a HEIF image", b"msf1": "a HEIF image",
               b"avif": "an AVIF image", b"avis": "an AVIF image"}
EXPORT_ADVICE = "save or export it as JPEG or PNG and attach it again"


class ImageProblem(ValueError):
    """An image we refuse, with a message naming the file and what to do; `kind` says which check failed."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class StoredImage:
    """An image stored without metadata, named by the SHA-256 of its bytes."""

    digest: str
    path: Path
    width: int
    height: int
    mime: str
    # The decoded pixels while they are still in memory, so fitting right after storing need not decode again.
    image: Image.Image | None = field(default=None, repr=False, compare=False)
    # Sizes of encodes already tried, shared by the fits for each network: (size, format, kind, quality) -> bytes.
    trials: dict = field(default_factory=dict, repr=False, compare=False)
    written: bool = field(default=False, compare=False)  # True when this store put the file there (not before)


@dataclass(frozen=True)
class ImageLimits:
    """What one network accepts for an image."""

    max_bytes: int
    max_pixels: int | None = None  # width × height (Mastodon's image_matrix_limit)
    mimes: frozenset = ALL_MIMES
    display_long_side: int = DISPLAY_LONG_SIDE

    @property
    def key(self) -> str:
        """A short name for these limits, part of a cached variant's file name."""
        kinds = "".join(sorted(mime.removeprefix("image/")[0] for mime in self.mimes))
        return f"{self.max_bytes}-{self.max_pixels or 0}-{self.display_long_side}-{kinds}"


@dataclass(frozen=True)
class FittedImage:
    """A stored image as one network will receive it."""

    path: Path
    mime: str
    width: int
    height: int
    digest: str  # SHA-256 of the fitted file's bytes
    from_cache: bool = False  # True when an earlier call made this variant
    note: str = ""  # set when the image had to go below the size the network displays

    def read(self) -> bytes:
        """The fitted file's bytes."""
        return self.path.read_bytes()


NETWORK_LIMITS = {
    "x": ImageLimits(5_000_000),
    "bluesky": ImageLimits(2_000_000),
    "bluesky-old-pds": ImageLimits(1_000_000),  # a self-hosted PDS from before April 2026 refuses larger blobs
}


def mastodon_limits(instance_configuration: dict) -> ImageLimits:
    """The image limits a Mastodon server announces in instance_v2()'s `configuration.media_attachments`."""
    conf = instance_configuration.get("configuration", instance_configuration) or {}
    media = conf.get("media_attachments") or {}
    # Mastodon before 4.x did not announce limits: these were its defaults then.
    size = _positive(media.get("image_size_limit"), 10_485_760)
    matrix = _positive(media.get("image_matrix_limit"), 16_777_216)
    announced = media.get("supported_mime_types")
    mimes = ALL_MIMES & set(announced) if isinstance(announced, list) else ALL_MIMES
    return ImageLimits(size, matrix, frozenset(mimes or {"image/jpeg", "image/png"}))


def _positive(value, default: int) -> int:
    """A positive whole number from a server's answer, else `default`."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


# ---------------------------------------------------------------- storing


def store(data: bytes, name: str, media_dir: Path) -> StoredImage:
    """Check an upload, re-encode it without metadata and store it in `media_dir`; raise ImageProblem if refused."""
    label = _label(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageProblem("too-large", f"{label}: is {len(data) / 1e6:.1f} MB, over the 20 MB limit; "
                                        "make it smaller (a phone's 'medium' size is plenty) and attach it again")
    kind = _sniff(data, label)
    _check_name(name, kind, label)
    image = _decode(data, kind, label)
    full_colour = kind == "JPEG" and JpegImagePlugin.get_sampling(image) == 0  # 4:4:4, as screenshots often are
    clean = _strip(image)
    encoded, mime = _encode_for_store(clean, kind, data, full_colour)
    digest = hashlib.sha256(encoded).hexdigest()
    already = (Path(media_dir) / (digest + EXTENSIONS[mime])).is_file()
    path = _write_once(Path(media_dir), digest + EXTENSIONS[mime], encoded)
    return StoredImage(digest, path, clean.width, clean.height, mime, image=clean, written=not already)


def find_stored(media_dir: Path, digest: str) -> StoredImage:
    """The stored image with this digest (its size read from the file's header), or FileNotFoundError."""
    for mime, suffix in EXTENSIONS.items():
        path = Path(media_dir) / f"{digest}{suffix}"
        if path.is_file():
            with Image.open(path) as image:
                return StoredImage(digest, path, image.width, image.height, mime)
    raise FileNotFoundError(f"no stored image {digest} in {media_dir}")


def forget(media_dir: Path, digest: str) -> int:
    """Delete a stored image and every fitted variant of it (a withdrawn story's photos); return files removed."""
    if not DIGEST.fullmatch(digest):
        raise ValueError(f"not an image digest: {digest!r}")
    folder = Path(media_dir)
    paths = [folder / f"{digest}{suffix}" for suffix in EXTENSIONS.values()]
    paths += sorted((folder / FITTED).glob(f"{digest}-*")) if (folder / FITTED).is_dir() else []
    removed = 0
    for path in paths:
        if path.is_file():
            path.unlink()
            removed += 1
    return removed


def _label(name: str) -> str:
    """The file's name as a message may show it: no folders, no control characters, not too long."""
    base = re.sub(r"[\x00-\x1f\x7f]", "", str(name).replace("\\", "/").rsplit("/", 1)[-1]) or "the image"
    return base if len(base) <= 80 else base[:79] + "…"


def _sniff(data: bytes, label: str) -> str:
    """The format the first bytes show (JPEG, PNG, WEBP or GIF), refusing anything else before decoding."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    other = HEIF_BRANDS.get(data[8:12]) if data[4:8] == b"ftyp" else None
    other = other or next((what for magic, what in OTHER_FORMATS if data.startswith(magic)), None)
    if other:
        raise ImageProblem("unsupported", f"{label}: is {other}, which we cannot take; {EXPORT_ADVICE}")
    if not data:
        raise ImageProblem("not-image", f"{label}: is empty; choose the image file again")
    raise ImageProblem("not-image", f"{label}: is not an image (we take JPEG, PNG, WebP and GIF); "
                                    "check you chose the right file")


def _check_name(name: str, kind: str, label: str) -> None:
    """Refuse a name whose extension says another kind of file than the content is (content decides)."""
    suffix = Path(str(name)).suffix.lower()
    if not re.fullmatch(r"\.[a-z][a-z0-9]{1,4}", suffix) or suffix in NAME_SUFFIXES[kind]:
        return  # no extension (or a name like "walk.2024.06") says nothing to disagree with
    proper = min(NAME_SUFFIXES[kind], key=len) if kind != "JPEG" else ".jpg"
    raise ImageProblem("wrong-extension", f"{label}: is named {suffix} but is really a {KIND_NAMES[kind]} image; "
                                          f"rename it to end in {proper} (or export it again) and attach it again")


def _decode(data: bytes, kind: str, label: str) -> Image.Image:
    """Open and fully decode the image, refusing bombs, huge, animated and truncated ones on the way."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it: here any such image is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            _check_pixels(image, label)
            _check_still(image, kind, label)
            image.verify()  # PNG: chunk checksums; the file cannot be decoded after verify, so open again
            image = Image.open(io.BytesIO(data), formats=[kind])
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("bomb", f"{label}: claims to be far too many pixels to open safely (a decompression "
                                   f"bomb, or an enormous image); {EXPORT_ADVICE} at a normal size") from None
    except ImageProblem:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise ImageProblem("damaged", f"{label}: is cut short or damaged and cannot be read; "
                                      f"open it on your device to check, {EXPORT_ADVICE}") from None
    return image


def _check_pixels(image: Image.Image, label: str) -> None:
    """Refuse an image over 50 megapixels, from the size in its header, before decoding."""
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageProblem("damaged", f"{label}: says it has no pixels; {EXPORT_ADVICE}")
    if width * height > MAX_PIXELS:
        raise ImageProblem("too-many-pixels", f"{label}: is {width} × {height} pixels "
                                              f"({width * height / 1e6:.1f} megapixels), over the 50-megapixel "
                                              "limit; resize it (4,000 pixels on the long side is plenty) and "
                                              "attach it again")


def _check_still(image: Image.Image, kind: str, label: str) -> None:
    """Refuse animated GIF, WebP and PNG files: we send still images only."""
    if getattr(image, "is_animated", False):
        raise ImageProblem("animated", f"{label}: is an animated {KIND_NAMES[kind]}; we can only send still images, "
                                       "so save one frame as JPEG or PNG and attach that")


def _strip(image: Image.Image) -> Image.Image:
    """Apply the orientation, turn colours into sRGB, and keep no metadata but a palette's transparency."""
    ImageOps.exif_transpose(image, in_place=True)
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    image = _to_srgb(image, icc) if icc else image
    image = _plain_mode(image)
    keep = transparency is not None and image.mode in ("P", "L", "RGB")
    image.info = {"transparency": transparency} if keep else {}
    image.encoderinfo = {}
    return image


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert colours from the embedded profile to sRGB, so dropping the profile keeps them as they looked."""
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode != "CMYK" and "sRGB" in ImageCms.getProfileDescription(source):
            return image  # already sRGB (most cameras' JPEGs): converting would change nothing but the time taken
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: the pixels as they are are the best we have


def _plain_mode(image: Image.Image) -> Image.Image:
    """Bring unusual pixel modes (CMYK, 16-bit grey, palettes with alpha) to ones every encoder takes."""
    if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA"):
        return image
    if image.mode.startswith("I"):  # 16-bit grey: scale down to 8 bits instead of clipping
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")


def _encode_for_store(image: Image.Image, kind: str, original: bytes, full_colour: bool) -> tuple[bytes, str]:
    """Re-encode in the upload's own format (a still GIF becomes PNG), with nothing but pixels."""
    if kind == "JPEG":
        return _encode(image, "JPEG", STORE_QUALITY, keep_colour=full_colour), "image/jpeg"
    if kind == "WEBP":
        lossless = original[12:16] == b"VP8L"  # a lossless WebP (a screenshot) stays lossless
        return _encode(image, "WEBP", STORE_QUALITY, lossless=lossless), "image/webp"
    return _encode(image, "PNG"), "image/png"


def _encode(image: Image.Image, fmt: str, quality: int = STORE_QUALITY, keep_colour: bool = False,
            lossless: bool = False, optimize: bool = False) -> bytes:
    """Encode `image` as `fmt` with no metadata at all."""
    out = io.BytesIO()
    if fmt == "JPEG":
        _lossy_ready(image, fmt).save(out, "JPEG", quality=quality, subsampling="4:4:4" if keep_colour else "4:2:0",
                                      optimize=optimize)
    elif fmt == "WEBP":
        _lossy_ready(image, fmt).save(out, "WEBP", quality=quality, lossless=lossless, method=4)
    else:
        image.save(out, "PNG", optimize=optimize, **_png_transparency(image))
    return out.getvalue()


def _png_transparency(image: Image.Image) -> dict:
    """The palette transparency to write again, the only thing from the original's info we keep."""
    value = image.info.get("transparency")
    return {"transparency": value} if value is not None else {}


def _has_alpha(image: Image.Image) -> bool:
    """Whether the image has any transparency to keep."""
    return "A" in image.mode or "transparency" in image.info


def _lossy_ready(image: Image.Image, fmt: str) -> Image.Image:
    """The image in a mode the encoder takes: for JPEG, RGB or grey with transparency laid on white."""
    if fmt == "WEBP":
        return image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if _has_alpha(image) else "RGB")
    if image.mode in ("L", "RGB") and "transparency" not in image.info:
        return image
    if not _has_alpha(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _write_once(folder: Path, filename: str, data: bytes) -> Path:
    """Write `data` to folder/filename atomically (temp file, fsync, rename), files 0600 in a 0700 folder."""
    _private_folder(folder)
    target = folder / filename
    if target.is_file():
        return target  # named by content: the same bytes are already there
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    descriptor = os.open(folder, os.O_RDONLY)  # flush the folder entry too, so the rename survives a power cut
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return target


def _private_folder(folder: Path) -> None:
    """Create the folder (and parents) if missing, and make sure only its owner can enter it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)


# ---------------------------------------------------------------- fitting


def fit(stored: StoredImage, limits: ImageLimits, media_dir: Path) -> FittedImage:
    """The variant of `stored` that fits `limits`, made once and then read from the cache."""
    return fit_many(stored, (limits,), media_dir)[0]


def fit_many(stored: StoredImage, limits: tuple[ImageLimits, ...] | list, media_dir: Path) -> list[FittedImage]:
    """Fit one stored image to several networks, decoding it at most once."""
    source = _Source(stored)
    return [_fit_one(source, each, Path(media_dir)) for each in limits]


class _Source:
    """A stored image's pixels, decoded on first use, and the sizes of the encodes already tried."""

    def __init__(self, stored: StoredImage):
        self.stored = stored
        self._image = stored.image
        self.trials = stored.trials

    @property
    def image(self) -> Image.Image:
        """The decoded pixels."""
        if self._image is None:
            opened = Image.open(self.stored.path, formats=list(MIMES))  # not `with`: closing frees the pixels
            opened.load()
            self._image = _strip(opened)
        return self._image


def _fit_one(source: _Source, limits: ImageLimits, media_dir: Path) -> FittedImage:
    """Fit one image to one network: as stored when it fits already, else from the cache, else made now."""
    stored = source.stored
    if _fits(stored.path.stat().st_size, stored.width, stored.height, stored.mime, limits):
        return FittedImage(stored.path, stored.mime, stored.width, stored.height, stored.digest)
    prefix = f"{stored.digest}-{limits.key}."
    folder = media_dir / FITTED
    cached = sorted(folder.glob(prefix + "*")) if folder.is_dir() else []
    if cached:
        return _fitted_from(cached[0], stored, limits, from_cache=True)
    data, mime = _make_variant(source, limits)
    digest = hashlib.sha256(data).hexdigest()
    path = _write_once(folder, f"{prefix}{digest}{EXTENSIONS[mime]}", data)
    return _fitted_from(path, stored, limits, from_cache=False)


def _fits(size: int, width: int, height: int, mime: str, limits: ImageLimits) -> bool:
    """Whether a file of this size, shape and type is within the limits."""
    return size <= limits.max_bytes and mime in limits.mimes and (
        not limits.max_pixels or width * height <= limits.max_pixels)


def _fitted_from(path: Path, stored: StoredImage, limits: ImageLimits, from_cache: bool) -> FittedImage:
    """A FittedImage for a variant on disk (its digest is the last part of its name)."""
    with Image.open(path, formats=list(MIMES)) as image:
        width, height, mime = image.width, image.height, MIMES[image.format]
    long_side, floor = max(width, height), min(limits.display_long_side, max(stored.width, stored.height))
    note = (f"made smaller than {floor} px on its long side ({width} × {height}) to fit in "
            f"{limits.max_bytes:,} bytes" if long_side < floor else "")
    return FittedImage(path, mime, width, height, path.name.rsplit(".", 2)[-2], from_cache, note)


def _make_variant(source: _Source, limits: ImageLimits) -> tuple[bytes, str]:
    """Encode the image within the limits: quality first, dimensions only when quality is not enough."""
    image = source.image
    mime = _target_mime(source.stored.mime, image, limits.mimes)
    size = _within_matrix(image.size, limits.max_pixels)
    if mime == "image/png":
        data = _fit_png(source, size, limits)
        if data is not None:
            return data, mime
        mime = "image/jpeg"  # still too big as a PNG: a high-quality JPEG (colour kept at full resolution)
    fmt = "JPEG" if mime == "image/jpeg" else "WEBP"
    return _fit_lossy(source, size, fmt, limits), mime


def _target_mime(mime: str, image: Image.Image, allowed: frozenset) -> str:
    """The stored format when the network takes it, else PNG for transparency, else JPEG."""
    if mime in allowed:
        return mime
    if _has_alpha(image) and "image/png" in allowed:
        return "image/png"
    return "image/jpeg" if "image/jpeg" in allowed else "image/png"


def _within_matrix(size: tuple[int, int], max_pixels: int | None) -> tuple[int, int]:
    """The largest size with the same aspect ratio that has at most `max_pixels` pixels."""
    width, height = size
    if not max_pixels or width * height <= max_pixels:
        return size
    return _scaled(size, math.sqrt(max_pixels / (width * height)), max_pixels)


def _scaled(size: tuple[int, int], factor: float, max_pixels: int | None = None) -> tuple[int, int]:
    """`size` times `factor`, at least 1 × 1, rounded down until within `max_pixels`."""
    width, height = (max(1, math.floor(side * factor)) for side in size)
    while max_pixels and width * height > max_pixels and width > 1 and height > 1:
        width, height = max(1, width - 1), max(1, round((width - 1) * size[1] / size[0]))
    return width, height


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image at `size` (Lanczos, reducing in integer steps first for speed)."""
    if image.size == size:
        return image
    if image.mode in ("P", "1"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _fit_png(source: _Source, size: tuple[int, int], limits: ImageLimits) -> bytes | None:
    """Keep a PNG sharp: as it is, optimised, then quantised to a palette if it is a graphic; None if too big."""
    image = _resized(source.image, size)
    attempts = [lambda: _encode(image, "PNG", optimize=True)]
    if image is not source.image:
        attempts.insert(0, lambda: _encode(image, "PNG"))  # as stored did not fit, but smaller may
    if _looks_like_graphic(image):  # a photo saved as PNG would band: it goes to JPEG instead
        attempts.append(lambda: _encode(_palette(image), "PNG", optimize=True))
    for attempt in attempts:
        data = attempt()
        if len(data) <= limits.max_bytes:
            return data
    return None


def _looks_like_graphic(image: Image.Image) -> bool:
    """Whether the image has few colours (a screenshot, a flyer), judged on a sample of its pixels."""
    sample = image.resize((min(image.width, 400), min(image.height, 400)), Image.Resampling.NEAREST)
    return sample.convert("RGBA").getcolors(4096) is not None


def _palette(image: Image.Image) -> Image.Image:
    """The image reduced to 256 colours, transparency kept."""
    if image.mode == "P":
        return image
    if _has_alpha(image):
        return image.convert("RGBA").quantize(256, method=Image.Quantize.FASTOCTREE)
    return image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)


def _fit_lossy(source: _Source, size: tuple[int, int], fmt: str, limits: ImageLimits) -> bytes:
    """A JPEG or WebP within the byte limit: the best quality down to 60, then smaller, never under 2,000 px
    on the long side unless nothing else fits."""
    keep_colour = source.stored.mime == "image/png"  # text and lines: colour at full resolution
    floor = min(limits.display_long_side, max(size))
    for _ in range(12):
        image = _lossy_ready(_resized(source.image, size), fmt)  # converted once, not at every encode
        data = _best_quality(source, image, fmt, limits.max_bytes, keep_colour)
        if isinstance(data, bytes):
            return data
        # `data` is the predicted size at the quality floor: shrink the area in proportion, with a margin.
        factor = math.sqrt(limits.max_bytes * 0.9 / data)
        smaller = _scaled(size, factor)
        if max(smaller) < floor and max(size) > floor:
            smaller = _scaled(size, floor / max(size))  # first try the displayed size itself
        size = smaller if smaller != size else _scaled(size, 0.9)
    raise ImageProblem("cannot-fit", f"the image cannot be made to fit in {limits.max_bytes:,} bytes")


def _best_quality(source: _Source, image: Image.Image, fmt: str, limit: int, keep_colour: bool) -> bytes | float:
    """The encode at the highest quality from 92 to 60 that fits `limit`, or the predicted size at 60 if none.

    A full encode of a 12-megapixel photo takes about 0.1 s, so the quality is searched on a sample of
    horizontal bands (a sixteenth of the image), scaled by what full encodes measured; usually one full
    encode follows. The stored file itself is the full encode at 92 when the size and format are the same.
    """
    sample, share = _bands(image)
    trials, shape = source.trials, (image.size, fmt)
    stored = source.stored
    if image.size == (stored.width, stored.height) and fmt == "JPEG" == stored.mime[6:].upper():
        trials.setdefault((*shape, "full", STORE_QUALITY), stored.path.stat().st_size)

    def sampled(quality: int) -> int:
        if (*shape, "sample", quality) not in trials:
            trials[(*shape, "sample", quality)] = len(_encode(sample, fmt, quality, keep_colour))
        return trials[(*shape, "sample", quality)]

    def predicted(quality: int) -> float:
        measured = [key[3] for key in trials if key[:3] == (*shape, "full")]
        if not measured:
            return sampled(quality) / share
        nearest = min(measured, key=lambda known: abs(known - quality))
        return sampled(quality) * trials[(*shape, "full", nearest)] / sampled(nearest)

    high = STORE_QUALITY
    while high >= QUALITY_FLOOR:
        best = _highest(predicted, QUALITY_FLOOR, high, limit * 0.98)
        if best is None:
            if predicted(QUALITY_FLOOR) > limit * 1.1 or (*shape, "full", QUALITY_FLOOR) in trials:
                return predicted(QUALITY_FLOOR)
            best = QUALITY_FLOOR  # close to fitting: a real encode decides
        data = _encode(image, fmt, best, keep_colour)
        trials[(*shape, "full", best)] = len(data)
        if len(data) <= limit:
            return data
        high = best - 1  # the prediction was low: it is corrected by this measure, and the search goes on below
    return predicted(QUALITY_FLOOR)


def _highest(predicted, low: int, high: int, target: float) -> int | None:
    """The highest quality in [low, high] whose predicted size is within `target` (sizes grow with quality)."""
    if low > high or predicted(low) > target:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if predicted(middle) <= target:
            low = middle
        else:
            high = middle - 1
    return low


def _bands(image: Image.Image) -> tuple[Image.Image, float]:
    """Eight evenly spaced horizontal bands of the image glued together, and the share of it they are."""
    band = max(16, (image.height // 128) // 16 * 16)  # whole JPEG blocks, so the seams cost nothing extra
    if band * 8 >= image.height:
        return image, 1.0
    sample = Image.new(image.mode, (image.width, band * 8))
    if image.mode == "P":
        sample.putpalette(image.getpalette())
    step = image.height // 8
    for index in range(8):
        top = index * step + (step - band) // 2
        sample.paste(image.crop((0, top, image.width, top + band)), (0, index * band))
    sample.info = dict(image.info)
    return sample, band * 8 / image.height
