"""Pages for everyone signed in: the start page, the health check and the live language check."""

from flask import Blueprint, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from ..dispatch import next_run_at
from ..models import utcnow
from .checking import annotated
from .common import db

blueprint = Blueprint("pages", __name__)
MAX_CHECK = 20000


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
    """Answer for monitoring: the app is up and the database answers."""
    next_run_at(db(), utcnow())
    return {"ok": True}


@blueprint.post("/check")
@login_required
def live_check():
    """Check text as someone types (JSON, CSRF token in a header); a storyteller is checked in their own voice."""
    body = request.get_json(silent=True) or {}
    text = body.get("text")
    if not isinstance(text, str) or len(text) > MAX_CHECK:
        return jsonify({"error": f"send the text to check, up to {MAX_CHECK} characters"}), 400
    voice = "storyteller" if current_user.role == "storyteller" or body.get("voice") == "storyteller" else "organisation"
    return jsonify({"findings": annotated(text, voice)})
