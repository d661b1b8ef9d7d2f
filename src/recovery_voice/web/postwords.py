"""The web's own words for posts: a problem said beside the form field it is about, and a post's history in words.

The rules live below (posts, review, compose); this module only chooses how the web pages say them.
"""

from datetime import datetime

from .common import local, sentence

# The compose form's field for each part of a post as posts.PostProblem names it.
COMPOSE_FIELDS = {"text": "text", "accounts": "accounts", "when": "at", "content_warning": "content_warning"}


def zoned(moment) -> str:
    """A UTC time (datetime or ISO text) as common.local shows every time: "Fri 5 Dec 2026, 09:30 GMT"; other text as is."""
    if isinstance(moment, str):
        try:
            datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    return local(moment)


def compose_field(problem, template) -> str | None:
    """The compose form's field name a problem is about, or None when it is about the whole post."""
    field = getattr(problem, "field", None) or ""
    if field.startswith("values.") and template is not None:
        return f"v_{field.removeprefix('values.')}"
    return COMPOSE_FIELDS.get(field)


def compose_words(problem, template) -> str:
    """Say a problem met while making or changing a post in the compose form's words."""
    field, kind, details = getattr(problem, "field", None) or "", getattr(problem, "kind", ""), \
        getattr(problem, "details", {})
    if field.startswith("values.") and template is not None:
        return _template_field_words(template, field.removeprefix("values."), kind, details) or sentence(problem)
    if field == "post":  # it became unchangeable while the form was open (a worker took it)
        return change_words(problem)
    words = {
        ("text", "missing"): "Write your post",
        ("text", "too_long"): f"Your post is {details.get('length', 0):,} characters; the most a post can hold is "
                              f"{details.get('limit', 0):,}. Shorten it: your text is all still here",
        ("accounts", "missing"): "Choose at least one account",
        ("accounts", "unknown"): "Choose from the accounts listed",
        ("when", "missing"): "Type the date and time it should go out, or choose the next free slot",
        ("when", "past"): "That time has passed: type a later date and time, or choose the next free slot",
        ("when", "too_far"): "That date is too far ahead: choose one before the year 3000",
        ("when", "invalid"): "Type the date and time it should go out, like 05/12/2026 09:30",
        ("when", "no_slots"): "There are no timetable slots yet: type a date and time instead "
                              "(an admin can add slots on the Timetable page)",
        ("when", "full"): f"Every slot in the next two years is taken on {details.get('account', 'an account')}: "
                          "type a date and time instead",
        ("content_warning", "too_long"): "Keep the content warning to 500 characters or fewer",
    }.get((field, kind))
    return sentence(words) if words else sentence(problem)


def _template_field_words(template, name: str, kind: str, details: dict) -> str | None:
    """Say what a template field needs, by its label on the form."""
    label = next((f.label for f in template.fields if f.name == name), name.replace("_", " ").capitalize())
    if kind == "missing":
        return f"Fill in “{label}”."
    if kind == "too_long":
        return f"“{label}” can hold at most {details.get('limit', 0):,} characters: shorten it (your text is kept)."
    return None


def review_words(problem) -> str:
    """Say an approval or send-back problem in the review page's words."""
    kind, field, details = problem.kind, problem.field, problem.details
    if field == "override_reason" and kind == "missing":
        what = "a language finding that needs changing" if details.get("language") else "an image without alt text"
        return (f"This post has {what}. Write here why it should go out as it is, or send it back "
                "with a note saying what to change.")
    if field == "override_reason" and kind == "too_short":
        return f"Say it in a sentence (at least {details.get('minimum', 10)} characters): why should it go out as it is?"
    if kind == "too_long":
        return (f"Keep it to {details.get('limit', 0):,} characters or fewer (it is {details.get('length', 0):,}): "
                "what you typed is kept below.")
    if field == "reason":
        return (f"Write a note of at least {details.get('minimum', 10)} characters saying what should change: "
                "its author will see it.")
    if kind == "not_waiting":
        return "This post is no longer waiting for approval: someone else may have decided on it already."
    if kind == "changed":
        return ("This post was changed (its words, images, accounts or time) after you opened the page, so nothing "
                "was decided. Read it again below and decide: what you typed is kept.")
    return sentence(problem)


def change_words(problem) -> str:
    """Say why a post's words can no longer be changed."""
    return {
        "story": "This post was made from a story: only its storyteller can change it.",
        "cancelled": "This post was cancelled, so it cannot be changed: write a new post instead.",
        "published": "This post has gone out (or is going out now), so it can no longer be changed. "
                     "You can take it down, or write a new post.",
    }.get(problem.kind, sentence(problem))
