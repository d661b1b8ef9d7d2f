"""The X publisher: tweepy with OAuth 1.0a user context, a request timeout and classified errors.

Images go through X's v2 media endpoints, which tweepy 4.17 does not offer (its upload calls the retired v1.1
host): they are signed here with the same OAuth 1.0a credentials and sent through the same session.
"""

from datetime import datetime, timedelta, timezone

import requests
import tweepy

from . import (FinalError, Part, PartImage, Published, Publisher, RateInfo, RetryableError, UnknownOutcome, Uploaded,
               remote_text)
from .http import RecordingSession, never_connected

X_API = "https://api.twitter.com"
MEDIA_CATEGORY = "tweet_image"  # X's simple upload takes images only; GIFs and video need the chunked one


class XPublisher(Publisher):
    """Publish to X through API v2 (POST /2/tweets); a thread replies to the previous tweet."""

    platform = "x"
    media_kept_for = timedelta(hours=23)  # X answers expires_after_secs 86400 for an unused upload

    def __init__(self, account, timeout: float = 30.0):
        self.account_name = account.name
        self.footer = account.footer
        self.client = tweepy.Client(
            consumer_key=account.secret("consumer_key_env"),
            consumer_secret=account.secret("consumer_secret_env"),
            access_token=account.secret("access_token_env"),
            access_token_secret=account.secret("access_token_secret_env"),
            wait_on_rate_limit=False,  # sleeping inside the call would block the worker for 15 minutes
        )
        self.session = self.client.session = RecordingSession(timeout, X_API, account.base_url or X_API)

    def publish(self, part: Part) -> Published:
        """Create the tweet, as a reply to the previous part of a thread, and return its id and link."""
        reply_to = part.reply_to.remote_id if part.reply_to else None
        # The media were uploaded (and recorded) before this call; tweepy leaves media out when it is None.
        media_ids = [m.remote_id for m in part.media] or None
        response = self._call(lambda: self.client.create_tweet(text=part.text, in_reply_to_tweet_id=reply_to,
                                                               media_ids=media_ids, user_auth=True))
        tweet_id = _field(response.data, "id")
        if not tweet_id:
            # A success without the tweet: it may well exist, and X cannot be asked by key, so a person checks.
            raise UnknownOutcome("X answered without the new post's id; the post may or may not have gone out")
        tweet_id = str(tweet_id)
        return Published(remote_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def upload(self, image: PartImage) -> Uploaded:
        """Upload one image with X's v2 simple upload, then give it its alt text (none for a decorative image)."""
        what = image.describe()
        media_id = self._media_call(what, lambda: self._send_image(image))
        if image.alt:
            self._media_call(what, lambda: self._signed("POST", "/2/media/metadata", json={
                "id": media_id, "metadata": {"alt_text": {"text": image.alt}}}))
        return Uploaded(remote_id=media_id, alt=image.alt, width=image.width, height=image.height,
                        digest=image.digest)

    def _send_image(self, image: PartImage) -> str:
        """POST /2/media/upload as multipart form data, returning the new media id."""
        response = self._signed("POST", "/2/media/upload", files={"media": ("image", image.data, image.mime)},
                                data={"media_category": MEDIA_CATEGORY, "media_type": image.mime})
        media_id = _field(_field(response.json(), "data"), "id")
        if not media_id:
            # Nothing was posted, and an unused upload expires by itself, so uploading again is harmless.
            raise tweepy.TwitterServerError(response)
        return str(media_id)

    def _signed(self, method: str, route: str, **kwargs) -> requests.Response:
        """Send one v2 call signed with the account's OAuth 1.0a user context; errors raised as tweepy raises them."""
        client = self.client
        auth = tweepy.OAuth1UserHandler(client.consumer_key, client.consumer_secret,
                                        client.access_token, client.access_token_secret).apply_auth()
        response = self.session.request(method, X_API + route, auth=auth,
                                        headers={"User-Agent": client.user_agent}, **kwargs)
        raise_for_x_status(response)
        return response

    def _media_call(self, what: str, call):
        """Run a media call; its errors name the image, and a lost answer is retryable since no post was made."""
        try:
            return call()
        except tweepy.TweepyException as error:
            raise classify_media_error(error, what) from None
        except requests.RequestException as error:
            if never_connected(error):
                raise RetryableError(f"could not reach X to upload {what}, will try again "
                                     f"({error.__class__.__name__})") from None
            raise RetryableError(f"no answer from X while uploading {what} ({error.__class__.__name__}); "
                                 "it will be uploaded again, which makes no post") from None

    def delete(self, remote_id: str) -> None:
        """Delete a tweet; X answers deleted=false for one that is already gone, which is just as good."""
        try:
            self._call(lambda: self.client.delete_tweet(remote_id, user_auth=True))
        except FinalError as error:
            if not error.gone:
                raise

    def check(self) -> str:
        """Verify the credentials with GET /2/users/me, which posts nothing."""
        response = self._call(lambda: self.client.get_me(user_auth=True))
        return f"signed in as @{_field(response.data, 'username')}"

    def rate_info(self) -> RateInfo | None:
        """Read the tighter of X's 15-minute window and its 24-hour user limit."""
        return tighter(rate_from_headers(self.session.last_headers, "x-rate-limit"),
                       rate_from_headers(self.session.last_headers, "x-user-limit-24hour"))

    def _call(self, call):
        """Run a tweepy call, turning its errors into retryable, final or unknown outcomes."""
        try:
            return call()
        except tweepy.TweepyException as error:
            raise classify_tweepy_error(error) from None
        except requests.RequestException as error:
            raise classify_network_error(error) from None


def classify_tweepy_error(error: tweepy.TweepyException) -> Exception:
    """Map a tweepy error to RetryableError or FinalError with a message a person can act on."""
    detail = remote_text(error)
    if isinstance(error, tweepy.TooManyRequests):
        reset = _reset_time(error.response)
        when = f" until {reset:%H:%M:%S} UTC" if reset else ""
        return RetryableError(f"X rate limit reached; waiting{when} ({detail})", retry_at=reset, rate_limited=True)
    if isinstance(error, tweepy.TwitterServerError):
        return RetryableError(f"X had a server error, will try again ({detail})")
    if isinstance(error, tweepy.Unauthorized):
        return FinalError(
            f"X did not accept this account's credentials; check its keys and tokens ({detail})",
            account_problem=True,
        )
    if isinstance(error, tweepy.Forbidden) and "duplicate" in detail.lower():
        return FinalError(f"X refused it as a duplicate of an earlier post ({detail})", duplicate=True)
    if isinstance(error, tweepy.NotFound):
        return FinalError(f"X has no such post ({detail})", gone=True)
    if isinstance(error, tweepy.HTTPException):
        return FinalError(f"X refused the post ({detail})")
    return FinalError(f"X call failed ({detail})")


def raise_for_x_status(response: requests.Response) -> None:
    """Raise the tweepy error tweepy's own calls raise for this status, so one classifier serves both."""
    status = response.status_code
    errors = {400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound}
    if status in errors:
        raise errors[status](response)
    if status == 429:
        raise tweepy.TooManyRequests(response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def classify_media_error(error: tweepy.TweepyException, what: str) -> Exception:
    """Map an error from a media call: X's refusals of the image get a plain message naming it."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    detail = remote_text(error)
    if status == 413:
        return FinalError(f"X refused {what} as too large: X takes images up to 5 MB; "
                          f"fit it again or attach a smaller image ({detail})")
    if status == 400:
        return FinalError(f"X refused {what}: it takes JPEG, PNG, WebP and GIF images with alt text of at most "
                          f"1,000 characters; replace the image or shorten its alt text ({detail})")
    return classify_tweepy_error(error)


def classify_network_error(error: requests.RequestException) -> Exception:
    """Only a failure to connect is certain to have sent nothing; anything else is unknown."""
    if never_connected(error):
        return RetryableError(f"could not reach X, will try again ({error.__class__.__name__})")
    if isinstance(error, requests.exceptions.JSONDecodeError):
        return UnknownOutcome(f"X answered with a body that is not JSON ({remote_text(error)}); "
                              "the post may or may not have gone out")
    return UnknownOutcome(
        f"no answer from X ({error.__class__.__name__}); the post may or may not have gone out"
    )


def rate_from_headers(headers: dict, prefix: str, parse_reset=None) -> RateInfo | None:
    """Read `{prefix}-limit`, `-remaining` and `-reset` headers (reset in epoch seconds unless parse_reset says)."""
    try:
        remaining = int(headers[f"{prefix}-remaining"])
        raw = headers[f"{prefix}-reset"]
        reset = parse_reset(raw) if parse_reset else datetime.fromtimestamp(int(float(raw)), tz=timezone.utc)
        limit = int(headers[f"{prefix}-limit"]) if f"{prefix}-limit" in headers else None
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return RateInfo(remaining=remaining, reset_at=reset, limit=limit)


def tighter(*infos: RateInfo | None) -> RateInfo | None:
    """Of several allowances, the one that runs out first (an exhausted one wins)."""
    known = [info for info in infos if info is not None]
    if not known:
        return None
    return min(known, key=lambda info: (info.remaining > 0, info.remaining))


def _field(data, name: str):
    """One field of tweepy's response data, or None when X sent no data or not that field."""
    try:
        return data[name]
    except (KeyError, TypeError, IndexError):
        return None


def _reset_time(response) -> datetime | None:
    """Read X's x-rate-limit-reset header (epoch seconds)."""
    headers = {key.lower(): value for key, value in getattr(response, "headers", {}).items()}
    day = rate_from_headers(headers, "x-user-limit-24hour")
    if day is not None and day.remaining <= 0:
        return day.reset_at
    try:
        return datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), tz=timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
