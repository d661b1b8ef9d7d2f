"""The X publisher: tweepy with OAuth 1.0a user context, a request timeout and classified errors."""

from datetime import datetime, timezone

import requests
import tweepy

from . import FinalError, Part, Published, Publisher, RateInfo, RetryableError, UnknownOutcome, remote_text
from .http import RecordingSession, never_connected

X_API = "https://api.twitter.com"


class XPublisher(Publisher):
    """Publish to X through API v2 (POST /2/tweets); a thread replies to the previous tweet."""

    platform = "x"

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
        response = self._call(lambda: self.client.create_tweet(text=part.text, in_reply_to_tweet_id=reply_to,
                                                               user_auth=True))
        tweet_id = _field(response.data, "id")
        if not tweet_id:
            # A success without the tweet: it may well exist, and X cannot be asked by key, so a person checks.
            raise UnknownOutcome("X answered without the new post's id; the post may or may not have gone out")
        tweet_id = str(tweet_id)
        return Published(remote_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

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
