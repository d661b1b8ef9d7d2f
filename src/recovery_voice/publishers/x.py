"""The X publisher: tweepy with OAuth 1.0a user context, a request timeout and classified errors."""

from datetime import datetime, timezone

import requests
import tweepy
from urllib3.exceptions import NameResolutionError, NewConnectionError

from . import FinalError, Outgoing, Published, Publisher, RetryableError, UnknownOutcome

X_API = "https://api.twitter.com"


class XSession(requests.Session):
    """A requests session that applies a timeout and can point tweepy at another API host.

    tweepy hard-codes the host and sets no timeout; without one a hung call blocks the worker.
    The host is rewritten before the request is signed, so the OAuth signature matches.
    """

    def __init__(self, base_url: str, timeout: float):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method, url, *args, **kwargs):
        """Send a request to the configured host with the default timeout."""
        if url.startswith(X_API) and self.base_url != X_API:
            url = self.base_url + url[len(X_API):]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class XPublisher(Publisher):
    """Publish to X through API v2 (POST /2/tweets)."""

    platform = "x"

    def __init__(self, account, timeout: float = 30.0):
        self.account_name = account.name
        self.client = tweepy.Client(
            consumer_key=account.secret("consumer_key_env"),
            consumer_secret=account.secret("consumer_secret_env"),
            access_token=account.secret("access_token_env"),
            access_token_secret=account.secret("access_token_secret_env"),
            wait_on_rate_limit=False,  # sleeping inside the call would block the worker for 15 minutes
        )
        self.client.session = XSession(account.base_url or X_API, timeout)

    def publish(self, outgoing: Outgoing) -> Published:
        """Create the tweet and return its id and link."""
        text = with_content_warning(outgoing.text, outgoing.content_warning)
        response = self._call(lambda: self.client.create_tweet(text=text, user_auth=True))
        tweet_id = str(response.data["id"])
        return Published(remote_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def check(self) -> str:
        """Verify the credentials with GET /2/users/me, which posts nothing."""
        response = self._call(lambda: self.client.get_me(user_auth=True))
        return f"signed in as @{response.data['username']}"

    def _call(self, call):
        """Run a tweepy call, turning its errors into retryable, final or unknown outcomes."""
        try:
            return call()
        except tweepy.TweepyException as error:
            raise classify_tweepy_error(error) from None
        except requests.RequestException as error:
            raise classify_network_error(error) from None


def with_content_warning(text: str, content_warning: str | None) -> str:
    """X has no content-warning field, so the warning leads the text."""
    if content_warning:
        return f"Content warning: {content_warning}\n\n{text}"
    return text


def classify_tweepy_error(error: tweepy.TweepyException) -> Exception:
    """Map a tweepy error to RetryableError or FinalError with a message a person can act on."""
    detail = " ".join(str(error).split())
    if isinstance(error, tweepy.TooManyRequests):
        reset = _reset_time(error.response)
        when = f" until {reset:%H:%M:%S} UTC" if reset else ""
        return RetryableError(f"X rate limit reached; waiting{when} ({detail})", retry_at=reset)
    if isinstance(error, tweepy.TwitterServerError):
        return RetryableError(f"X had a server error, will try again ({detail})")
    if isinstance(error, tweepy.Unauthorized):
        return FinalError(
            f"X did not accept this account's credentials; check its keys and tokens ({detail})",
            account_problem=True,
        )
    if isinstance(error, tweepy.Forbidden) and "duplicate" in detail.lower():
        return FinalError(f"X refused it as a duplicate of an earlier post ({detail})", duplicate=True)
    if isinstance(error, tweepy.HTTPException):
        return FinalError(f"X refused the post ({detail})")
    return FinalError(f"X call failed ({detail})")


def classify_network_error(error: requests.RequestException) -> Exception:
    """Only a failure to connect is certain to have sent nothing; anything else is unknown."""
    if isinstance(error, requests.ConnectTimeout) or _never_connected(error):
        return RetryableError(f"could not reach X, will try again ({error.__class__.__name__})")
    return UnknownOutcome(
        f"no answer from X ({error.__class__.__name__}); the post may or may not have gone out"
    )


def _never_connected(error: requests.RequestException) -> bool:
    """Tell whether the connection was refused or the host not found (nothing was sent)."""
    if not isinstance(error, requests.ConnectionError):
        return False
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, (NewConnectionError, NameResolutionError))


def _reset_time(response) -> datetime | None:
    """Read X's x-rate-limit-reset header (epoch seconds)."""
    try:
        return datetime.fromtimestamp(int(response.headers["x-rate-limit-reset"]), tz=timezone.utc)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
