"""The Bluesky publisher: atproto with a record key chosen at scheduling, facets for links, and one reused session."""

import base64
import hashlib
import re
import threading
from dataclasses import replace
from datetime import timedelta

import httpx
from atproto import Client, SessionEvent, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    UnauthorizedError,
)
from atproto_client.models.blob_ref import BlobRef
from atproto_client.request import Request
from cryptography.fernet import Fernet, InvalidToken

from . import (
    FinalError,
    Part,
    PartImage,
    Published,
    Publisher,
    PublishError,
    RateInfo,
    RetryableError,
    UnknownOutcome,
    Uploaded,
    remote_text,
)
from .http import DeadlineTransport
from .tid import part_rkey
from .x import rate_from_headers

POST_COLLECTION = "app.bsky.feed.post"
# Bluesky counts writes in points: a create costs 3, a delete 1 (5,000 points an hour per account).
CREATE_POINTS, DELETE_POINTS = 3, 1
SESSION_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}
# app.bsky.embed.images takes blobs up to 2,000,000 bytes since April 2026; a PDS older than that, 1,000,000.
BLOB_LIMIT, OLD_BLOB_LIMIT = 2_000_000, 1_000_000


class BlueskyPublisher(Publisher):
    """Publish app.bsky.feed.post records; a retry after an unknown outcome looks its record key up first."""

    platform = "bluesky"
    can_look_up = True
    # Creating a record under a key that exists is refused, so resending can never make a second post.
    resend_safe_within = timedelta.max
    # A blob no record names is only temporary on the PDS; sending it again is cheap and gives the same CID.
    media_kept_for = timedelta(hours=1)

    def __init__(self, account, timeout: float = 30.0, session_store=None):
        self.base_url = account.base_url
        self.handle = account.handle
        self.password = account.secret("app_password_env")
        self.footer = account.footer
        self.language = account.language
        self.store = session_store
        self.headers: dict[str, str] = {}
        self.points = CREATE_POINTS  # what the last write cost, to turn the points left into calls left
        self.did: str | None = None
        self._lock = threading.Lock()
        request = Request(timeout=timeout, transport=DeadlineTransport(timeout),
                          event_hooks={"response": [self._keep_headers]})
        self.client = Client(base_url=account.base_url, request=request)
        self.client.on_session_change(self._save_session)

    def publish(self, part: Part) -> Published:
        """Create the post under its chosen record key, with facets, as a reply to the previous part."""
        rkey = part_rkey(part)
        record = models.AppBskyFeedPost.Record(
            text=part.text, created_at=self.client.get_current_time_iso(), langs=[self.language],
            facets=self._facets(part.text) or None, reply=_reply_ref(part),
            embed=_images_embed(part) or _card_embed(part),
        )
        data = models.ComAtprotoRepoCreateRecord.Data(repo=self._signed_in(), collection=POST_COLLECTION,
                                                      rkey=rkey, record=record)
        self.points = CREATE_POINTS
        try:
            created = self._call(lambda: self.client.com.atproto.repo.create_record(data))
        except FinalError as error:
            raise _name_a_blob_too_big(error, part) from None
        except UnknownOutcome as error:
            if not getattr(error, "answered", False):
                raise  # no answer at all: the worker looks the key up once the call has surely ended
            # The server answered with an error (the PDS answers 500 for a key that exists): ask it which.
            found = self.find(part)
            if found is None:
                raise RetryableError(f"{error}; it was not created, will try again") from None
            return found
        return Published(remote_id=created.uri, cid=created.cid, url=self._web_url(rkey))

    def upload(self, image: PartImage) -> Uploaded:
        """Upload the image as a blob; the post record names it later, with its alt text and aspect ratio."""
        self._signed_in()
        try:
            answer = self._call(lambda: self.client.com.atproto.repo.upload_blob(
                image.data, headers={"Content-Type": image.mime}))
        except UnknownOutcome:
            # An unused blob is dropped by the PDS after a while: sending it again cannot make a second post.
            raise RetryableError(f"no clear answer from {self.base_url} to the upload of {image.describe()}; "
                                 "an upload is not a post, so it will be sent again") from None
        except PublishError as error:
            raise _upload_refused(error, image, self.base_url) from None
        blob = answer.blob
        return Uploaded(remote_id=str(blob.cid), alt=image.alt, width=image.width, height=image.height,
                        ref=blob.model_dump(mode="json", by_alias=True), digest=image.digest)

    def find(self, part: Part) -> Published | None:
        """Look the part's record key up: it exists exactly when an earlier attempt created it."""
        rkey = part_rkey(part)
        params = models.ComAtprotoRepoGetRecord.Params(repo=self._signed_in(), collection=POST_COLLECTION, rkey=rkey)
        try:
            found = self._call(lambda: self.client.com.atproto.repo.get_record(params))
        except FinalError as error:
            if error.gone:
                return None
            raise
        if getattr(found.value, "text", None) != part.text:
            raise FinalError(f"the record key {rkey} already holds a different post on {self.handle}; "
                             "reschedule this post so it gets a new key")
        return Published(remote_id=found.uri, cid=found.cid, url=self._web_url(rkey))

    def delete(self, remote_id: str) -> None:
        """Delete a post by its at:// URI; deleting one that is already gone succeeds."""
        rkey = remote_id.rsplit("/", 1)[-1]
        data = models.ComAtprotoRepoDeleteRecord.Data(repo=self._signed_in(), collection=POST_COLLECTION, rkey=rkey)
        self.points = DELETE_POINTS
        self._call(lambda: self.client.com.atproto.repo.delete_record(data))

    def check(self) -> str:
        """Sign in (or resume the saved session) and ask the server who we are; nothing is posted."""
        self._signed_in()
        session = self._call(self.client.com.atproto.server.get_session)
        return f"signed in as @{session.handle} ({session.did}) on {self.base_url}"

    def rate_info(self) -> RateInfo | None:
        """Read the ratelimit-remaining and -reset headers (epoch seconds) as the number of such calls left.

        The PDS reports whichever of its limits has the fewest points left; counting them at the last
        write's price is exact for the write limit and errs on the safe side for the others.
        """
        info = rate_from_headers(self.headers, "ratelimit")
        if info is None:
            return None
        return replace(info, remaining=info.remaining // self.points,
                       limit=info.limit // self.points if info.limit is not None else None)

    def _keep_headers(self, response: httpx.Response) -> None:
        """Keep the last answer's headers: the SDK returns only the body."""
        self.headers = {key.lower(): value for key, value in response.headers.items()}

    def _signed_in(self) -> str:
        """Return the account's DID, resuming the saved session or, failing that, logging in once."""
        with self._lock:
            if self.did is None:
                saved = self._load_session()
                if saved:
                    self.client.login(session_string=saved, fetch_bsky_profile=False)
                else:
                    self._login()
            return self.did

    def _login(self) -> None:
        """Log in with the app password: createSession is limited to 30 per 5 minutes, so this is rare."""
        try:
            self.client.login(self.handle, self.password, fetch_bsky_profile=False)
        except AtProtocolError as error:
            problem = self.classify(error, signing_in=True)
            if isinstance(problem, UnknownOutcome):  # a lost login answer cannot have posted anything
                problem = RetryableError(f"could not sign in to {self.base_url}: {problem}")
            raise problem from None

    def _call(self, call):
        """Run an SDK call; if the saved session was refused, log in again once and repeat it."""
        try:
            return call()
        except (UnauthorizedError, BadRequestError) as error:
            if _error_name(error) not in SESSION_ERRORS:
                raise self.classify(error) from None
        except AtProtocolError as error:
            raise self.classify(error) from None
        # A refused token means nothing was done, so repeating the call after a fresh login is safe.
        self._login()
        try:
            return call()
        except AtProtocolError as error:
            raise self.classify(error) from None

    def classify(self, error: AtProtocolError, signing_in: bool = False) -> Exception:
        """Map an SDK error to our kinds, with a message a person can act on."""
        name, message = _error_name(error), _error_message(error)
        detail = remote_text(f"{name}: {message}" if name else message or error.__class__.__name__)
        if isinstance(error, RateLimitExceededError):
            info = self.rate_info()
            reset = info.reset_at if info else None
            when = f" until {reset:%H:%M:%S} UTC" if reset else ""
            return RetryableError(f"Bluesky rate limit reached; waiting{when}", retry_at=reset, rate_limited=True)
        if isinstance(error, UnauthorizedError) or (signing_in and isinstance(error, BadRequestError)):
            return FinalError(f"{self.base_url} did not accept the handle {self.handle} and its app password; "
                              f"check them ({detail})", account_problem=True)
        if name in ("RecordNotFound", "NotFound") or "could not locate record" in message.lower():
            return FinalError(f"Bluesky has no such record ({detail})", gone=True)
        if isinstance(error, BadRequestError):
            return FinalError(f"Bluesky refused the post ({detail})")
        if _status(error) == 413:  # the SDK raises a NetworkError for it, but it is an answer: too large
            return FinalError(f"{self.base_url} refused it as too large ({detail or 'request entity too large'})")
        if isinstance(error, ModelError):
            # A success whose body is not the record (HTML, {} or null): the record key says whether it exists.
            unknown = UnknownOutcome(f"{self.base_url} answered with a body that could not be read ({remote_text(error)}); "
                                     "the post may or may not have gone out")
            unknown.answered = True
            return unknown
        if isinstance(error, (InvokeTimeoutError, NetworkError)) and _never_connected(error):
            return RetryableError(f"could not reach {self.base_url}, will try again")
        if isinstance(error, (InvokeTimeoutError, NetworkError)) or _status(error) >= 500:
            # The record key makes this safe: the record is looked up before anything is sent again.
            unknown = UnknownOutcome(f"no clear answer from {self.base_url} ({detail}); "
                                     "the post may or may not have gone out")
            unknown.answered = _status(error) >= 500
            return unknown
        return FinalError(f"Bluesky call failed ({detail})")

    def _facets(self, text: str) -> list:
        """Make links, mentions and hashtags clickable: Bluesky needs them as facets with UTF-8 byte offsets."""
        made = []
        for kind, start, end, value in find_facets(text):
            if kind == "mention":
                value = self._resolve(value)
                if value is None:
                    continue  # an unknown handle stays plain text rather than a broken link
            made.append(_facet(kind, byte_offset(text, start), byte_offset(text, end), value))
        return made

    def _resolve(self, handle: str) -> str | None:
        """Return the DID of a handle, or None when the server does not know it."""
        try:
            params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
            return self.client.com.atproto.identity.resolve_handle(params).did
        except AtProtocolError:
            return None

    def _web_url(self, rkey: str) -> str:
        """The link a person can open."""
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    def _key(self) -> bytes:
        """An encryption key for the saved session, derived from the app password so the database alone cannot use it."""
        return base64.urlsafe_b64encode(hashlib.sha256(f"recovery-voice:{self.handle}:{self.password}".encode()).digest())

    def _load_session(self) -> str | None:
        """Read and decrypt the saved session; one from another password or a damaged one is ignored."""
        saved = self.store.load() if self.store else None
        if not saved:
            return None
        try:
            return Fernet(self._key()).decrypt(saved.encode()).decode()
        except (InvalidToken, ValueError):
            return None

    def _save_session(self, event, session) -> None:
        """Note whose session it is, and save each new or refreshed one, encrypted, for later starts and other workers."""
        self.did = session.did
        if self.store and event != SessionEvent.IMPORT:
            self.store.save(Fernet(self._key()).encrypt(session.export().encode()).decode())


URL = re.compile(r"https?://[^\s<>\"]+")
MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+)")
HASHTAG = re.compile(r"(?<![\w#&])#(\w*[^\W\d]\w*)")


def find_facets(text: str) -> list[tuple[str, int, int, str]]:
    """Find links, mentions and hashtags as (kind, start, end, value) with string offsets, never overlapping."""
    found = []
    for match in URL.finditer(text):
        url = match.group().rstrip(".,;:!?)]}'\"")
        found.append(("link", match.start(), match.start() + len(url), url))
    taken = [(start, end) for _, start, end, _ in found]
    for kind, pattern in (("mention", MENTION), ("tag", HASHTAG)):
        for match in pattern.finditer(text):
            if not any(start <= match.start() < end for start, end in taken):
                found.append((kind, match.start(), match.end(), match.group(1)))
    return sorted(found, key=lambda item: item[1])


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of a string index."""
    return len(text[:index].encode("utf-8"))


def _facet(kind: str, byte_start: int, byte_end: int, value: str):
    """One facet in the app.bsky.richtext.facet shape."""
    feature = {
        "link": lambda: models.AppBskyRichtextFacet.Link(uri=value),
        "mention": lambda: models.AppBskyRichtextFacet.Mention(did=value),
        "tag": lambda: models.AppBskyRichtextFacet.Tag(tag=value),
    }[kind]()
    return models.AppBskyRichtextFacet.Main(
        index=models.AppBskyRichtextFacet.ByteSlice(byte_start=byte_start, byte_end=byte_end), features=[feature])


def _reply_ref(part: Part):
    """Point a later part of a thread at the first part (root) and the previous one (parent)."""
    if part.reply_to is None:
        return None
    root = part.root or part.reply_to
    return models.AppBskyFeedPost.ReplyRef(
        root=models.ComAtprotoRepoStrongRef.Main(uri=root.remote_id, cid=root.cid),
        parent=models.ComAtprotoRepoStrongRef.Main(uri=part.reply_to.remote_id, cid=part.reply_to.cid),
    )


def _images_embed(part: Part):
    """The part's uploaded images as app.bsky.embed.images, each with its alt text and aspect ratio; None without."""
    if not part.media:
        return None
    return models.AppBskyEmbedImages.Main(images=[
        models.AppBskyEmbedImages.Image(
            image=_blob(uploaded, number), alt=uploaded.alt,
            # Without it the app crops every image to a square until it has loaded.
            aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(width=uploaded.width, height=uploaded.height)
            if uploaded.width > 0 and uploaded.height > 0 else None)
        for number, uploaded in enumerate(part.media, 1)])


def _card_embed(part: Part):
    """The post's link card as app.bsky.embed.external on a first part without images whose text has the link."""
    card = part.outgoing.link_card
    if part.number != 1 or part.media or not card or "title" not in card or card["uri"] not in part.text:
        return None  # no card, one still pending, one that failed (a plain link), or the link is in a later part
    thumb = card.get("thumb_blob")  # the worker uploads the stored thumbnail first and names its blob here
    return models.AppBskyEmbedExternal.Main(external=models.AppBskyEmbedExternal.External(
        uri=card["uri"], title=card["title"], description=card["description"],
        thumb=BlobRef.model_validate(thumb) if thumb else None))


def _blob(uploaded: Uploaded, number: int) -> BlobRef:
    """Rebuild an uploaded image's blob reference from its JSON (as recorded in the database)."""
    try:
        return BlobRef.model_validate(uploaded.ref)
    except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        raise FinalError(f"image {number} of this part has no usable Bluesky blob reference "
                         f"({remote_text(error, 120)}); upload it again") from None


def _upload_refused(error: PublishError, image: PartImage, base_url: str) -> PublishError:
    """Name the image in a refusal; a rate limit, a lost connection or an account problem stays as it was."""
    if not isinstance(error, FinalError) or error.account_problem:
        return error
    return FinalError(f"{base_url} refused {image.describe()} ({error}); change or replace the image")


def _name_a_blob_too_big(error: FinalError, part: Part) -> FinalError:
    """Say which image a record was refused for when its blob is over the server's size limit."""
    text = str(error).lower()
    if not part.media or not any(sign in text for sign in ("blob too big", "blobtoolarge", "file is too large")):
        return error
    sizes = [(number, (uploaded.ref or {}).get("size") or 0) for number, uploaded in enumerate(part.media, 1)]
    over = [f"image {number} ({size:,} bytes)" for number, size in sizes if size > OLD_BLOB_LIMIT] or \
        [f"one of its {len(part.media)} images"]
    return FinalError(f"Bluesky refused the post because {', '.join(over)} is over the server's size limit: "
                      f"Bluesky takes up to {BLOB_LIMIT:,} bytes an image, a PDS older than April 2026 only "
                      f"{OLD_BLOB_LIMIT:,}; make the image smaller ({error})")


def _error_name(error: AtProtocolError) -> str:
    """The XRPC error name (like "ExpiredToken") from an SDK error's response, if any."""
    content = getattr(getattr(error, "response", None), "content", None)
    return getattr(content, "error", None) or ""


def _error_message(error: AtProtocolError) -> str:
    """The XRPC error message from an SDK error's response, if any."""
    content = getattr(getattr(error, "response", None), "content", None)
    return getattr(content, "message", None) or ""


def _status(error: AtProtocolError) -> int:
    """The HTTP status of an SDK error's response, or 0 when there was none."""
    return getattr(getattr(error, "response", None), "status_code", 0) or 0


def _never_connected(error: AtProtocolError) -> bool:
    """Tell whether the SDK failed before the request was sent (refused, unknown host, connect timeout)."""
    return isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
