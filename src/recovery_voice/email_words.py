"""The words of each email: its subject and plain-text body, written from the event's facts when it is sent.

Each kind has a template in email_templates/ (its first line is the subject); every body ends with a
footer saying why the person got it and where to change that.
"""

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from .config import Config

# Why each kind of email came, for the footer. {org} is the organisation's name.
WHY = {
    "test": "You got this email because someone at {org} sent a test email to this address.",
    "invitation": "You got this email because someone at {org} invited this address to join recovery-voice.",
    "password_reset": "You got this email because a password reset was asked for this address at {org}. "
                      "Password reset emails are always sent, whatever your email settings say.",
    "story": "You got this email because you shared a story with {org}.",
    "post": "You got this email because you wrote this post at {org}.",
    "admin": "You got this email because you are an admin at {org}.",
    "digest": "You got this email because you chose a daily summary instead of one email per event at {org}.",
    "safeguarding": "You got this email because you are a safeguarding lead at {org}, or an admin there while no "
                    "lead is set. Safeguarding emails are always sent at once, whatever your email settings say.",
}
STORY_KINDS = ("story_approved", "story_sent_back", "story_published", "story_taken_down")
POST_KINDS = ("post_sent_back", "post_failed")
ADMIN_KINDS = ("review_waiting", "post_needs_review", "account_attention")
ROLE_WORDS = {"storyteller": "a storyteller", "volunteer": "a volunteer", "admin": "an admin"}
SETTINGS_PATH = "/account/email"
URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class Words:
    """One email's subject and plain-text body."""

    subject: str
    text: str


@cache
def _environment() -> Environment:
    """The templates' environment: plain text, so nothing is HTML-escaped; a missing fact is an error."""
    return Environment(loader=PackageLoader("recovery_voice", "email_templates"), autoescape=False,
                       undefined=StrictUndefined, keep_trailing_newline=True)


def when(config: Config, moment: datetime | str | None) -> str:
    """A time as people read it, always with its zone: "Fri 5 Dec 2026, 09:30 GMT"."""
    if not moment:
        return "at a time still to be chosen"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(config.timezone).strftime("%a %-d %b %Y, %H:%M %Z")


def link(config: Config, path: str) -> str:
    """A full address in the web app, from [email] site_url."""
    return f"{config.email.site_url}{path}"


def why_kind(kind: str) -> str:
    """The footer's reason for a kind of email."""
    if kind in STORY_KINDS:
        return "story"
    if kind in POST_KINDS:
        return "post"
    if kind in ADMIN_KINDS:
        return "admin"
    return "safeguarding" if kind.startswith("safeguarding") else kind


def body(config: Config, kind: str, facts: dict, name: str) -> Words:
    """The subject and the body (without the footer) of one email."""
    context = {**facts, **_derived(config, facts), "org": config.organisation_name, "name": name or "there"}
    subject, _, text = _environment().get_template(f"{kind}.txt").render(context).partition("\n")
    return Words(subject.strip(), text.strip() + "\n")


def _derived(config: Config, facts: dict) -> dict:
    """Words made from the facts: times in the organisation's zone, links made whole, a role in words."""
    derived = {}
    if "path" in facts:
        derived["link"] = link(config, facts["path"])
    for key in ("when", "expires"):
        if key in facts:
            derived[key] = when(config, facts[key])
    if "role" in facts:
        derived["role_words"] = ROLE_WORDS.get(facts["role"], facts["role"])
    if "accounts" in facts:
        derived["where"] = _listed(facts["accounts"])
    return derived


def _listed(names: list[str]) -> str:
    """Join names as people write them: "a", "a and b", "a, b and c"."""
    names = list(names) or ["no network"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def footer(config: Config, kind: str, has_settings: bool) -> str:
    """Why the person got this email and how to change that (a link to their email settings)."""
    return _environment().get_template("_footer.txt").render(
        why=WHY[why_kind(kind)].format(org=config.organisation_name), org=config.organisation_name,
        settings_link=link(config, SETTINGS_PATH) if has_settings else "")


def whole(config: Config, kind: str, facts: dict, name: str, has_settings: bool) -> Words:
    """The email as sent: its body and the footer."""
    words = body(config, kind, facts, name)
    return Words(words.subject, f"{words.text}\n{footer(config, kind, has_settings)}")


def digest(config: Config, items: list[tuple[str, dict]], name: str) -> Words:
    """One daily summary of several events, each as its subject and body."""
    parts = [body(config, kind, facts, name) for kind, facts in items]
    rendered = _environment().get_template("digest.txt").render(
        items=[{"subject": p.subject, "body": p.text.split("\n", 2)[-1].strip()} for p in parts],
        org=config.organisation_name, name=name or "there")
    subject, _, text = rendered.partition("\n")
    return Words(subject.strip(), f"{text.strip()}\n\n{footer(config, 'digest', True)}")


def as_html(text: str) -> str:
    """The plain text as a simple HTML part: the same words, escaped, paragraphs kept and addresses made links."""
    paragraphs = [part.strip("\n") for part in text.split("\n\n") if part.strip()]
    body = "\n".join(f"<p>{_linked(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5; max-width: 40em">\n'
            f"{body}\n</body></html>\n")


def _linked(text: str) -> str:
    """Escape text for HTML, making each web address a link."""
    out, last = [], 0
    for match in URL.finditer(text):
        address = match.group(0).rstrip(".,;:)")
        out += [html.escape(text[last:match.start()]), f'<a href="{html.escape(address)}">{html.escape(address)}</a>']
        last = match.start() + len(address)
    return "".join(out + [html.escape(text[last:])])
