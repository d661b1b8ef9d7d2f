"""Pages for everyone signed in: the start page, the health check and the live language check."""

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from ..db import engine_of
from ..health import check as check_health
from ..health import watch_file
from .checking import CheckRequestProblem, check_request, live_findings
from .common import config

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
@login_required
def home():
    """Send each person to where their work is."""
    if current_user.role == "storyteller":
        return redirect(url_for("stories.index"))
    if current_user.role == "admin":
        return redirect(url_for("admin.review"))
    return redirect(url_for("volunteer.queue"))


@blueprint.get("/health")
def health():
    """Answer for monitoring, within a second or two: does the database answer, is a worker publishing (503 if not)."""
    report = check_health(engine_of(current_app.config["RV_SESSIONS"]), config().worker)
    return jsonify(report.to_public()), 200 if report.ok else 503


@blueprint.record_once
def _watch_database_file(state) -> None:
    """Note the SQLite file the app opened when it is built, so /health can tell if it is deleted later."""
    watch_file(engine_of(state.app.config["RV_SESSIONS"]))


@blueprint.post("/check")
@login_required
def live_check():
    """Check text as someone types (JSON, CSRF token in a header); a storyteller is checked in their own voice."""
    try:
        text, voice = check_request(request.content_length, request.get_data, current_user.role)
    except CheckRequestProblem as problem:
        return jsonify({"error": str(problem)}), 400
    return jsonify(live_findings(text, voice))
