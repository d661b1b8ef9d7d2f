"""The web app for storytellers, comms volunteers and admins: a Flask app factory and its safety settings."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, redirect, render_template, request, send_file, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import BytecodeCache

from ..accounts import troubled_accounts
from ..config import Config
from ..db import make_engine, session_factory
from .errors import register_failure_pages
from .throttle import Throttle

SECRET_ENV = "RECOVERY_VOICE_SECRET_KEY"
SECRET_FILE = "recovery-voice.secret"
WEB_BUSY_TIMEOUT = 2.0  # seconds a page waits for a locked SQLite database before saying it is busy
PROXY_ENV, TRUSTED_PROXY_ENV = "RECOVERY_VOICE_BEHIND_PROXY", "RECOVERY_VOICE_TRUSTED_PROXY"
# The headers an nginx or Caddy in front sets; waitress believes them only from the trusted proxy's address.
PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


def behind_proxy() -> bool:
    """Tell whether RECOVERY_VOICE_BEHIND_PROXY says an HTTPS proxy stands in front (unset, 0 or false: no)."""
    return os.environ.get(PROXY_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


def server_settings() -> dict:
    """Return waitress's proxy settings: behind a proxy, take the client's address and scheme from it alone."""
    if not behind_proxy():
        return {}
    return {"trusted_proxy": os.environ.get(TRUSTED_PROXY_ENV, "").strip() or "127.0.0.1",
            "trusted_proxy_count": 1, "trusted_proxy_headers": set(PROXY_HEADERS)}


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        """Decide per request, so one install works on loopback and behind an HTTPS proxy."""
        return request.is_secure or app.config["SESSION_COOKIE_SECURE"]


class _CompiledInProcess(BytecodeCache):
    """Each page template's compiled code, kept for the process: an app made again does not compile its pages again.

    A page whose source has changed since is compiled afresh (Jinja compares the source's checksum).
    """

    def __init__(self):
        self._codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Give Jinja the code kept for this page, which it drops if the source has changed."""
        if bucket.key in self._codes:
            bucket.bytecode_from_string(self._codes[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        """Keep the code Jinja has just compiled for this page."""
        self._codes[bucket.key] = bucket.bytecode_to_string()


_COMPILED_PAGES = _CompiledInProcess()


def create_app(config: Config, sessions, scheduler=None, *, secret_key: str | None = None) -> Flask:
    """Build the Flask app around a config, a database session maker and (optionally) the worker's timer."""
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _COMPILED_PAGES}
    secret_key = secret_key or _secret_key()
    app.config.update(
        RV_CONFIG=config, RV_SESSIONS=sessions, RV_SCHEDULER=scheduler, RV_THROTTLE=Throttle(secret_key),
        SECRET_KEY=secret_key, RV_BEHIND_PROXY=behind_proxy(),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=behind_proxy(),
        SESSION_COOKIE_NAME="rv_session", PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # A storyteller may take an hour or more over their story: the token lasts as long as the session.
        WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    app.session_interface = _SessionInterface()
    if behind_proxy():  # for other WSGI servers; under `serve`, waitress has already checked who sent the headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.before_request(_upload_limit)  # before CSRFProtect, which reads the form and so meets the body limit
    CSRFProtect(app)
    _login_manager(app)
    from . import admin, auth, email_pages, mediafiles, pages, people, publishing, stories, timetable, volunteer
    from .checking import SEVERITY_WORDS
    from .common import local, sentence

    for module in (auth, pages, stories, volunteer, admin, people, timetable, publishing, mediafiles, email_pages):
        app.register_blueprint(module.blueprint)
    from .data_rights import blueprint as data_rights  # Your data: download it, or erase your account
    app.register_blueprint(data_rights)
    from .pausing import blueprint as pausing  # pausing all publishing, and the banner while it is paused
    app.register_blueprint(pausing)
    app.teardown_appcontext(_close_session)
    app.context_processor(lambda: {"org": config, "local": local, "troubled_accounts": _troubled_accounts(),
                                   "email_trouble": _email_trouble()})
    app.jinja_env.globals["sentence"] = sentence  # a global, so imported macros can use it too
    app.jinja_env.filters["local"] = local  # every time shown to people, with its zone
    app.jinja_env.globals["severity_words"] = SEVERITY_WORDS  # for findings stored without their label
    _brand_files(app, config)
    app.after_request(_security_headers)
    _error_pages(app)
    return app


def _troubled_accounts() -> list:
    """For an admin, the accounts whose posts are failing or that need attention, named at the top of each page."""
    from .common import db

    if not has_request_context() or g.get("rv_failure_page") or not current_user.is_authenticated:
        return []  # a failure page must not ask a failing database again
    if current_user.role != "admin" or request.endpoint == "admin.accounts":
        return []  # the Accounts page says it row by row
    return troubled_accounts(db(), current_app.config["RV_CONFIG"])


def _email_trouble() -> dict | None:
    """For an admin, why emails are not going out, said at the top of each page (see email_outbox.trouble)."""
    from ..email_outbox import trouble
    from ..models import utcnow
    from .common import db

    if not has_request_context() or g.get("rv_failure_page") or not current_user.is_authenticated:
        return None  # a failure page must not ask a failing database again
    return trouble(db(), utcnow()) if current_user.role == "admin" else None


def _brand_files(app: Flask, config: Config) -> None:
    """Serve the organisation's logo (when the config names one) and answer browsers asking for /favicon.ico."""
    app.add_url_rule("/favicon.ico", "favicon", lambda: redirect(url_for("static", filename="favicon.svg"), 301))
    if config.logo is not None:
        app.add_url_rule("/logo", "logo", lambda: send_file(config.logo, max_age=3600))


def _upload_limit() -> None:
    """Let the forms that take images receive four of them; every other request keeps the small limit."""
    from .images import UPLOAD_BODY_LIMIT, UPLOAD_ENDPOINTS

    # Only for someone signed in: a stranger must not make the server read 80 MB bodies before it says no.
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST" and current_user.is_authenticated:
        request.max_content_length = UPLOAD_BODY_LIMIT


def web_sessions(config: Config):
    """Open the web app's own engine: it waits only briefly for a lock, so a person hears quickly that it is busy."""
    return session_factory(make_engine(config.database_url, busy_timeout=WEB_BUSY_TIMEOUT))


def _secret_key() -> str:
    """Read the signing key from the environment, else from a private file made once beside the data."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = Path(SECRET_FILE)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _login_manager(app: Flask) -> None:
    """Set up Flask-Login: who is signed in, and where to send those who are not."""
    from .auth import load_user

    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to see that page."
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.user_loader(load_user)


def _close_session(_error=None) -> None:
    """Close the request's database session, releasing any lock it holds."""
    session = g.pop("db", None)
    if session is not None:
        session.close()


def _security_headers(response):
    """Send headers that stop framing, sniffing, inline scripts and caching of private pages."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure or current_app.config["RV_BEHIND_PROXY"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_pages(app: Flask) -> None:
    """Answer errors with plain, kind pages rather than a stack trace."""
    messages = {
        400: ("Something went wrong with that form", "Please go back, reload the page and try again."),
        403: ("This page is not for your role", "If you think you should see it, ask an admin."),
        404: ("We could not find that page", "It may have moved, or the link may be wrong."),
        405: ("That did not work", "Please use the buttons on the page."),
        429: ("Too many tries", "For your safety, please wait 15 minutes before trying again."),
    }
    for code, (title, detail) in messages.items():
        app.register_error_handler(code, _error_page(code, title, detail))
    app.register_error_handler(413, _too_large)
    app.register_error_handler(CSRFError, _error_page(400, "This form has expired",
                                                      "Please reload the page and send it again: nothing was saved."))
    register_failure_pages(app)


def _too_large(_error):
    """Say what was too big: on a form that takes images, the images; elsewhere, the text."""
    from .images import SLOTS, UPLOAD_ENDPOINTS

    if request.endpoint in UPLOAD_ENDPOINTS:
        detail = (f"The images were too big to send together. Each image can be up to 20 MB, and a post or story "
                  f"up to {SLOTS} images: go back, make the largest smaller (a phone's 'medium' size is plenty) "
                  "and attach it again. Nothing was saved.")
        return render_template("error.html", title="Those images were too big to send", detail=detail), 413
    return render_template("error.html", title="That was too much to send at once",
                           detail="Please make the text shorter and try again."), 413


def _error_page(code: int, title: str, detail: str):
    """Make an error handler that renders one message."""
    def handler(_error):
        return render_template("error.html", title=title, detail=detail, code=code), code
    return handler
