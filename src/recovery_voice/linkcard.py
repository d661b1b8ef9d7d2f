"""Bluesky link cards: a page's Open Graph title, description and picture, fetched without trusting the page.

The fetching itself (public addresses only, one deadline, size caps, no cookies) is safefetch's; this
module reads the page's head, builds the card and fetches its picture by the same safe path.
"""

import codecs
import ipaddress
import re
import ssl
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from .safefetch import Deadline, FetchProblem, Policy, Response, SafeFetcher

THUMB_MAX_BYTES = 1_000_000  # Bluesky's limit for an external card's thumbnail blob
TITLE_CHARS = 300
DESCRIPTION_CHARS = 1000
HTML_TYPES = ("text/html", "application/xhtml+xml")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
PLAIN_LINK = "the post will show a plain link"


@dataclass(frozen=True)
class Card:
    """What an app.bsky.embed.external card shows; thumb is None when the page has no usable picture."""

    uri: str
    title: str
    description: str
    image_url: str | None = None
    thumb: bytes | None = None
    thumb_mime: str | None = None
    thumb_digest: str | None = None  # the stored picture's digest (media.find_stored), when a media folder was given
    thumb_problem: str | None = None  # why a picture the page names is not on the card, in plain words


@dataclass(frozen=True)
class CardResult:
    """Either a card, or a plain-words problem saying why the post keeps a plain link."""

    card: Card | None = None
    problem: str | None = None


def fetch_card(url: str, *, allow_private: bool = False, allow_networks=(), timeout: float = 5.0,
               max_bytes: int = 2_000_000, media_dir: Path | None = None,
               tls_context: ssl.SSLContext | None = None) -> CardResult:
    """Fetch `url` safely and build a link card from its Open Graph tags, or say why not.

    `allow_private` is the [linkcards] allow_private_addresses switch; `allow_networks` opens only the
    networks named (tests open 127.0.0.0/8 this way while every other private range stays refused).
    With `media_dir`, the picture is stored without its metadata and shrunk to fit (media.store and
    media.fit); without it, a picture is kept only as sent and only when it already fits.
    """
    policy = Policy(allow_private, tuple(ipaddress.ip_network(n) for n in allow_networks))
    fetcher = SafeFetcher(policy, Deadline(timeout), tls_context)
    try:
        page_url, tags = _page_tags(fetcher, url, max_bytes)
        card = _card_from_tags(url, page_url, tags)
    except FetchProblem as problem:
        return CardResult(problem=f"{problem}; {PLAIN_LINK}")
    return CardResult(card=_with_thumbnail(fetcher, card, max_bytes, media_dir))


def _page_tags(fetcher: SafeFetcher, url: str, max_bytes: int) -> tuple[str, dict]:
    """Fetch the page at `url` and return its final URL and the tags in its head."""
    with fetcher.open(url, "text/html, application/xhtml+xml") as response:
        kind, charset = response.content_type()
        if kind not in HTML_TYPES:
            raise FetchProblem(f"the link is not a web page (it is {kind or 'of no stated type'})")
        return response.url, _read_head(response, max_bytes, charset)


def _read_head(response: Response, max_bytes: int, charset: str | None) -> dict:
    """Read the page up to the end of its head (or max_bytes) and return the tags found."""
    parser = _HeadParser()
    decoder = None
    start = b""
    for chunk in response.chunks(max_bytes):
        if decoder is None:
            start += chunk
            if len(start) < 1024:
                continue  # a <meta charset> is looked for in the first kilobyte
            decoder, chunk = _decoder(charset, start), start
        parser.feed(decoder.decode(chunk))
        if parser.done:
            return parser.found()
    parser.feed((decoder or _decoder(charset, start)).decode(b"" if decoder else start, final=True))
    parser.truncated = max_bytes if response.read_bytes >= max_bytes else 0
    return parser.found()


def _with_thumbnail(fetcher: SafeFetcher, card: Card, max_bytes: int, media_dir: Path | None) -> Card:
    """Return `card` with its picture fetched and fitted, or with a note saying why there is none."""
    if not card.image_url:
        return card
    try:
        data, mime, digest = _thumbnail(fetcher, card.image_url, max_bytes, media_dir)
    except FetchProblem as problem:
        return replace(card, thumb_problem=f"the page's picture is left out: {problem}")
    return replace(card, thumb=data, thumb_mime=mime, thumb_digest=digest)


def _thumbnail(fetcher: SafeFetcher, url: str, max_bytes: int, media_dir: Path | None) -> tuple[bytes, str, str | None]:
    """Fetch the picture at `url` and return bytes within Bluesky's thumbnail limit, their type and stored digest."""
    cap = max_bytes if media_dir else THUMB_MAX_BYTES  # without a way to shrink it, it must already fit
    with fetcher.open(url, ", ".join(IMAGE_TYPES)) as response:
        mime, _ = response.content_type()
        if mime not in IMAGE_TYPES:
            raise FetchProblem(f"it is not a JPEG, PNG, WebP or GIF image (it is {mime or 'of no stated type'})")
        data, whole = response.read(cap)
    if not whole:
        raise FetchProblem(f"it is larger than {cap:,} bytes")
    if _sniff_image(data) != mime:
        raise FetchProblem(f"its bytes are not the {mime} image the site says it is")
    return _stripped_and_fitted(data, media_dir) if media_dir else (data, mime, None)


def _stripped_and_fitted(data: bytes, media_dir: Path) -> tuple[bytes, str, str]:
    """Re-encode the picture without its metadata and fit it within THUMB_MAX_BYTES, stored in `media_dir`."""
    from . import media  # imported here: Pillow is needed only when a picture is fitted

    try:
        stored = media.store(data, "the page's picture", media_dir)
        fitted = media.fit(stored, media.ImageLimits(THUMB_MAX_BYTES), media_dir)
    except media.ImageProblem as problem:
        raise FetchProblem(str(problem).removeprefix("the page's picture: ")) from None
    return fitted.read(), fitted.mime, stored.digest


def _decoder(charset: str | None, start: bytes):
    """An incremental decoder for the page: its stated charset, else a <meta charset>, else UTF-8."""
    if not charset:
        found = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", start[:2048], re.IGNORECASE)
        charset = found.group(1).decode("ascii") if found else "utf-8"
    try:
        return codecs.getincrementaldecoder(charset)(errors="replace")
    except LookupError:
        return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _sniff_image(data: bytes) -> str | None:
    """Tell an image's type from its first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class _HeadParser(HTMLParser):
    """Collects the tags a card needs from a page's head, noting when the head has ended."""

    WANTED = {"og:title", "og:description", "og:image", "og:image:url", "og:image:secure_url",
              "twitter:title", "twitter:description", "twitter:image", "description"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.in_title = False
        self.done = False
        self.truncated = 0  # the size cap, when the page was cut off there

    def handle_starttag(self, tag, attrs):
        """Note <meta> tags we want, the start of <title>, and the start of <body>."""
        if tag == "body":
            self.done = True
        elif tag == "title" and not self.title:
            self.in_title = True
        elif tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content")
            if key in self.WANTED and content and key not in self.meta:
                self.meta[key] = content

    def handle_endtag(self, tag):
        """Note the end of <title> and of <head>."""
        if tag == "title":
            self.in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data):
        """Keep the text of the page's <title>, up to a sensible length."""
        if self.in_title and sum(map(len, self.title)) < 4 * TITLE_CHARS:
            self.title.append(data)

    def found(self) -> dict:
        """Return the tags found, with the <title> text as "title"."""
        return {**self.meta, "title": "".join(self.title), "_truncated": self.truncated}


def _card_from_tags(uri: str, page_url: str, meta: dict) -> Card:
    """Build a card from the page's tags: Open Graph first, then Twitter's, then <title> and description."""
    title = _clean(meta.get("og:title") or meta.get("twitter:title") or meta.get("title") or "", TITLE_CHARS)
    description = _clean(meta.get("og:description") or meta.get("twitter:description")
                         or meta.get("description") or "", DESCRIPTION_CHARS)
    if not title and not description:
        within = f" within its first {meta['_truncated']:,} bytes" if meta.get("_truncated") else ""
        raise FetchProblem(f"the page has no title or description{within} to show on a card")
    image = next((meta[k] for k in ("og:image:secure_url", "og:image", "og:image:url", "twitter:image") if meta.get(k)), None)
    return Card(uri=uri, title=title, description=description,
                image_url=urljoin(page_url, image.strip()) if image else None)


def _clean(text: str, limit: int) -> str:
    """Collapse whitespace, drop control characters and cut to `limit` characters."""
    text = " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
