"""A WSGI entry point for running the web app under another server, e.g. `gunicorn 'recovery_voice.wsgi:make_app()'`."""

from .config import load_config
from .db import check_schema, make_engine


def make_app(config_path: str | None = None):
    """Build the web app from the config (`RECOVERY_VOICE_CONFIG` or ./config.toml), without a worker."""
    from .web import create_app, web_sessions

    config = load_config(config_path)
    engine = make_engine(config.database_url, config.busy_timeout)
    check_schema(engine)
    return create_app(config, web_sessions(config))
