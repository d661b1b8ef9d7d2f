"""Pages for failures on our side: a broken request (500) and a busy or damaged database (503), never a traceback."""

import logging
from contextlib import suppress

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy import exc as sqlalchemy_exc

from ..db import BUSY, trouble

log = logging.getLogger(__name__)
RETRY_AFTER = 60  # seconds a browser or proxy is told to wait when the database is busy

PAGES = {
    500: ("Something went wrong on our side",
          "Your work was not lost. Please try again; if it keeps happening, tell your admin."),
    BUSY: ("The database is busy",
           "Another task is using it just now, so nothing was changed. Please try again in a minute."),
    "damaged": ("The database cannot be used",
                "It is damaged or cannot be reached, so this page cannot be shown. What was saved before is kept "
                "in the backups: please tell your admin, who can restore it from the latest backup as the README "
                "explains."),
}


def register_failure_pages(app: Flask) -> None:
    """Answer unexpected errors with the 500 page and database trouble with the 503 page."""
    app.register_error_handler(500, _server_error)
    app.register_error_handler(sqlalchemy_exc.DatabaseError, _database_error)
    app.register_error_handler(sqlalchemy_exc.TimeoutError, _database_error)


def _server_error(_error):
    """Show the plain 500 page (Flask has already logged the traceback)."""
    g.rv_failure_page = True  # the layout asks nothing more of the database (the accounts banner)
    _close_session()
    try:
        current_user.is_authenticated  # the layout's menu needs them; a failing database must not stop the page
    except sqlalchemy_exc.SQLAlchemyError:
        _as_visitor()
    return _page(500), 500


def _database_error(error):
    """Show the 503 page saying the database is busy or damaged; any other database error is a bug (500)."""
    kind = trouble(error)
    if kind is None:
        current_app.log_exception(error)
        return _server_error(error)
    # The driver's message only: the statement and its parameters could hold someone's email.
    log.error("database %s during %s %s: %s", kind, request.method, request.path, getattr(error, "orig", error))
    g.rv_failure_page = True
    _close_session()
    _as_visitor()
    headers = {"Retry-After": str(RETRY_AFTER)} if kind == BUSY else {}
    return _page(kind), 503, headers


def _page(kind) -> str:
    """Render one failure page in the app's layout."""
    title, detail = PAGES[kind]
    return render_template("error.html", title=title, detail=detail, code=500 if kind == 500 else 503)


def _close_session() -> None:
    """Drop the request's database session, so nothing more is asked of it."""
    session = g.pop("db", None)
    if session is not None:
        with suppress(sqlalchemy_exc.SQLAlchemyError):  # closing rolls back, which a broken file may refuse
            session.close()


def _as_visitor() -> None:
    """Show the page as to a visitor unless the person is already loaded: loading them touches the database."""
    if "_login_user" not in g:  # where Flask-Login keeps the request's user once loaded
        g._login_user = current_app.login_manager.anonymous_user()
