"""The Mastodon publisher: Mastodon.py with an Idempotency-Key on every post, so a retry never doubles one."""

import logging
import time
from datetime import datetime, timedelta, timezone
from io import BytesIO

from mastodon import Mastodon

from ..media import ImageLimits
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from . import (
    FinalError,
    Part,
    PartImage,
    Published,
    Publisher,
    RateInfo,
    RetryableError,
    UnknownOutcome,
    Uploaded,
    remote_text,
)
from .http import RecordingSession, never_connected
from .x import rate_from_headers

log = logging.getLogger("recovery_voice.publishers.mastodon")
DEFAULT_MAX_CHARACTERS = 500
# What an instance that does not say its media limits is assumed to take: Mastodon 3.x's limits, the lowest
# a current server has (4.x takes 16 MB and 33,177,600 pixels), and its four attachments per status.
DEFAULT_MEDIA_LIMITS = {"image_size_limit": 10_485_760, "image_matrix_limit": 16_777_216, "max_media_attachments": 4}
PROCESSING_WAIT = 30.0  # seconds an upload may take to process before the part is tried again later
FIRST_POLL, LONGEST_POLL = 0.25, 2.0  # seconds between polls of an upload being processed, doubling
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


class MastodonPublisher(Publisher):
    """Publish statuses; a content warning is the status's spoiler_text, a thread replies to the previous part."""

    platform = "mastodon"
    # Mastodon keeps an Idempotency-Key for an hour and answers a repeat with the original status;
    # ten minutes to spare, as a worker's clock and the server's may differ.
    resend_safe_within = timedelta(minutes=50)
    media_kept_for = timedelta(hours=23)  # Mastodon removes media left unattached for a day

    def __init__(self, account, timeout: float = 30.0, processing_wait: float = PROCESSING_WAIT):
        self.base_url = account.base_url
        self.processing_wait = processing_wait
        self.footer = account.footer
        self.language = account.language
        self.visibility = account.visibility
        self.session = RecordingSession(timeout)
        self.api = Mastodon(access_token=account.secret("access_token_env"), api_base_url=account.base_url,
                            ratelimit_method="throw",  # the default sleeps inside the call
                            request_timeout=timeout, session=self.session, version_check_mode="none")
        self._instance: tuple[object, str] | None = None
        self._max_length: int | None = None
        self._media_limits: dict | None = None

    def max_length(self) -> int | None:
        """The instance's own limit, from its one instance lookup, else 500."""
        if self._max_length is None:
            self._max_length = self._limit_from(*self._instance_answer())
        return self._max_length

    def media_limits(self) -> dict:
        """The instance's image limits (image_size_limit bytes, image_matrix_limit pixels, max_media_attachments).

        Read from the same instance lookup as the length limit; a limit the answer does not give is Mastodon's
        lowest current default, so a fitted image is never bigger than the server takes.
        """
        if self._media_limits is None:
            self._media_limits = _media_limits_from(*self._instance_answer(), self.base_url)
        return dict(self._media_limits)

    def image_limits(self) -> ImageLimits:
        """What the instance says it takes for an image (bytes and pixels), for fitting."""
        limits = self.media_limits()
        return ImageLimits(limits["image_size_limit"], limits["image_matrix_limit"])

    def _instance_answer(self) -> tuple[object, str]:
        """Ask the instance about itself once: /api/v2/instance, else /api/v1/instance (None when neither has it)."""
        if self._instance is None:
            try:
                self._instance = (self._ask_instance(self.api.instance_v2), "v2")
            except FinalError as error:
                if not error.gone:
                    raise
                log.warning("%s has no /api/v2/instance; asking /api/v1/instance for its post length and media "
                            "limits", self.base_url)
                self._instance = (self._ask_instance(self.api.instance_v1, missing_ok=True), "v1")
        return self._instance

    def _ask_instance(self, call, missing_ok: bool = False):
        """Ask the instance about itself; a lost answer is retryable, since a GET posts nothing."""
        try:
            return self._call(call)
        except UnknownOutcome as error:
            raise RetryableError(f"{error}; nothing was posted, will try again") from None
        except FinalError as error:
            if missing_ok and error.gone:
                return None
            raise

    def _limit_from(self, instance, version: str) -> int:
        """Read max_characters (or Pleroma's max_toot_chars); 500, Mastodon's default, when the answer has none."""
        for read in (lambda: instance["configuration"]["statuses"]["max_characters"],
                     lambda: instance["max_toot_chars"]):
            try:
                return int(read())
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        log.warning("%s did not say its post length limit in /api/%s/instance; using Mastodon's default of %d",
                    self.base_url, version, DEFAULT_MAX_CHARACTERS)
        return DEFAULT_MAX_CHARACTERS

    def publish(self, part: Part) -> Published:
        """Post one status with the part's own Idempotency-Key and its uploaded media."""
        media_ids = [uploaded.remote_id for uploaded in part.media] or None
        # A content warning hides the text; sensitive hides the images behind a click too, as the warning asks.
        sensitive = bool(media_ids and part.spoiler_text)
        status = self._call(lambda: self.api.status_post(
            part.text, in_reply_to_id=part.reply_to.remote_id if part.reply_to else None,
            spoiler_text=part.spoiler_text, language=self.language, visibility=self.visibility,
            idempotency_key=part.idempotency_key, media_ids=media_ids, sensitive=sensitive,
        ))
        status_id = _field(status, "id")
        if not status_id:
            # A 200 without the status: it may well have been made, and a resend under the key finds it.
            raise UnknownOutcome(f"{self.base_url} answered without the new status's id; "
                                 "the post may or may not have gone out")
        return Published(remote_id=str(status_id), url=_field(status, "url"))

    def upload(self, image: PartImage) -> Uploaded:
        """Upload one image with its alt text as the description, and wait (bounded) until the server has processed it."""
        started = time.monotonic()
        media = self._upload_call(image, lambda: self.api.media_post(
            BytesIO(image.data), mime_type=image.mime, description=image.alt or None,
            file_name=f"{image.digest[:16] or 'image'}.{EXTENSIONS.get(image.mime, 'bin')}"))
        media_id = _field(media, "id")
        if not media_id:
            raise RetryableError(f"{self.base_url} answered the upload of {image.describe()} without a media id; "
                                 "nothing was posted, will upload it again")
        if not _field(media, "url"):
            self._await_processing(image, str(media_id), started)
        return Uploaded(remote_id=str(media_id), alt=image.alt, width=image.width, height=image.height,
                        digest=image.digest)

    def _await_processing(self, image: PartImage, media_id: str, started: float) -> None:
        """Poll the upload until its URL is set: a status naming media still being processed is refused (422)."""
        pause = FIRST_POLL
        while time.monotonic() + pause - started <= self.processing_wait:
            time.sleep(pause)
            if _field(self._upload_call(image, lambda: self.api.media(media_id)), "url"):
                return
            pause = min(pause * 2, LONGEST_POLL)
        raise RetryableError(f"{self.base_url} is still processing {image.describe()} after "
                             f"{self.processing_wait:g} s; nothing was posted, will try again")

    def _upload_call(self, image: PartImage, call):
        """Run an upload or a poll, turning its errors into our kinds."""
        try:
            return call()
        except MastodonError as error:
            raise self.classify_upload(error, image) from None

    def classify_upload(self, error: MastodonError, image: PartImage) -> Exception:
        """Map an upload's error: as for a post, except that a lost answer is retryable and a refusal names the image."""
        problem = self.classify(error)
        if isinstance(problem, RetryableError) or getattr(problem, "account_problem", False):
            return problem  # a rate limit, a server error, no connection or a refused token: as for a post
        detail = _reason(error)
        if isinstance(problem, UnknownOutcome):
            # Uploading twice leaves an unused copy on the server (it is dropped unattached), never a second post.
            return RetryableError(f"no clear answer from {self.base_url} to the upload of {image.describe()} "
                                  f"({detail}); an upload is not a post, so it will be sent again")
        return FinalError(f"{self.base_url} refused {image.describe()} ({detail}); change or replace the image")

    def delete(self, remote_id: str) -> None:
        """Delete a status; one that is already gone (404) counts as deleted."""
        try:
            self._call(lambda: self.api.status_delete(remote_id))
        except FinalError as error:
            if not error.gone:
                raise

    def check(self) -> str:
        """Verify the token with verify_credentials, which posts nothing."""
        account = self._call(self.api.account_verify_credentials)
        return f"signed in as @{account['acct']} on {self.base_url}"

    def rate_info(self) -> RateInfo | None:
        """Read X-RateLimit-Remaining and -Reset (an ISO 8601 time on Mastodon)."""
        return rate_from_headers(self.session.last_headers, "x-ratelimit", parse_reset=parse_reset)

    def _call(self, call):
        """Run a Mastodon.py call, turning its errors into retryable, final or unknown outcomes."""
        try:
            return call()
        except MastodonError as error:
            raise self.classify(error) from None

    def classify(self, error: MastodonError) -> Exception:
        """Map a Mastodon.py error to our kinds, with a message a person can act on."""
        detail = remote_text(error)
        if isinstance(error, MastodonRatelimitError):
            info = self.rate_info()
            reset = info.reset_at if info else None
            when = f" until {reset:%H:%M:%S} UTC" if reset else ""
            return RetryableError(f"Mastodon rate limit reached; waiting{when}", retry_at=reset, rate_limited=True)
        if isinstance(error, MastodonUnauthorizedError) or _status(error) == 403:
            return FinalError(f"{self.base_url} did not accept this account's access token; "
                              f"check it and its scopes ({detail})", account_problem=True)
        if isinstance(error, MastodonNotFoundError):
            return FinalError(f"Mastodon has no such status ({detail})", gone=True)
        if isinstance(error, MastodonServerError):
            return RetryableError(f"{self.base_url} had a server error, will try again ({detail})")
        if isinstance(error, MastodonNetworkError):
            return _network_error(error, self.base_url)
        if isinstance(error, MastodonAPIError) and 200 <= (self.session.last_status or 0) < 300:
            # The call succeeded but its answer could not be read (an HTML page from a proxy, say): the status
            # may exist, so it is resent under the same key, never marked refused for a person to rewrite.
            return UnknownOutcome(f"{self.base_url} answered {self.session.last_status} with a body that is not "
                                  f"a status ({detail}); the post may or may not have gone out")
        if isinstance(error, MastodonAPIError):
            return FinalError(f"{self.base_url} refused the post ({detail})")
        return FinalError(f"Mastodon call failed ({detail})")


def _network_error(error: MastodonNetworkError, base_url: str) -> Exception:
    """Mastodon.py wraps the requests error it caught; only a failed connection is sure to have sent nothing."""
    if never_connected(error.__context__):
        return RetryableError(f"could not reach {base_url}, will try again")
    cause = error.__context__.__class__.__name__ if error.__context__ else "no answer"
    return UnknownOutcome(f"no answer from {base_url} ({cause}); the post may or may not have gone out")


def _media_limits_from(instance, version: str, base_url: str) -> dict:
    """Read configuration.media_attachments and statuses.max_media_attachments, with defaults for what is missing."""
    reads = {
        "image_size_limit": lambda: instance["configuration"]["media_attachments"]["image_size_limit"],
        "image_matrix_limit": lambda: instance["configuration"]["media_attachments"]["image_matrix_limit"],
        "max_media_attachments": lambda: instance["configuration"]["statuses"]["max_media_attachments"],
    }
    limits = {}
    for name, read in reads.items():
        try:
            limits[name] = int(read())
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("%s did not say its %s in /api/%s/instance; using %d", base_url, name, version,
                        DEFAULT_MEDIA_LIMITS[name])
            limits[name] = DEFAULT_MEDIA_LIMITS[name]
    return limits


def _reason(error: MastodonError) -> str:
    """What the server said (Mastodon.py's fourth argument) with its status, else the whole error, made safe."""
    if len(error.args) > 3 and error.args[3]:
        status = f"{error.args[1]} " if isinstance(error.args[1], int) else ""
        return remote_text(f"{status}{error.args[3]}")
    return remote_text(error)


def _field(answer, name: str):
    """One field of a Mastodon.py answer, or None when the answer is not a mapping or lacks it."""
    try:
        return answer[name]
    except (KeyError, TypeError, IndexError):
        return None


def _status(error: MastodonError) -> int | None:
    """The HTTP status Mastodon.py put in an API error's arguments."""
    return error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else None


def parse_reset(value: str) -> datetime:
    """Read an X-RateLimit-Reset value: ISO 8601 on Mastodon, epoch seconds on some other servers."""
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except ValueError:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
