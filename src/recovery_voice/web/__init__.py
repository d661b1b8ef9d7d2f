"""The web app: for now one read-only page of the queue, the next slots and the log."""

from flask import Flask

from ..config import Config


def create_app(config: Config, sessions, scheduler=None) -> Flask:
    """Build the Flask app around a config and a database session maker."""
    app = Flask(__name__)
    app.config.update(RV_CONFIG=config, RV_SESSIONS=sessions, RV_SCHEDULER=scheduler)
    from . import pages

    app.register_blueprint(pages.blueprint)
    app.after_request(_security_headers)
    return app


def _security_headers(response):
    """Send headers that stop framing, sniffing and inline scripts."""
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
