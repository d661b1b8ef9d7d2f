"""The Publishing page: whether publishing is alive, and each worker's last good round and last problem."""

from flask import Blueprint, current_app, render_template

from ..db import engine_of
from ..health import alive_within, check
from .common import config, db, roles

blueprint = Blueprint("publishing", __name__)


@blueprint.get("/publishing")
@roles("admin")
def publishing():
    """Say in plain words whether posts are going out, and what each worker last did."""
    # The request's own connection: with SQLite it already holds the lock a second connection would wait for.
    report = check(engine_of(current_app.config["RV_SESSIONS"]), config().worker, connection=db().connection())
    return render_template("publishing.html", report=report, window=alive_within(config().worker))
