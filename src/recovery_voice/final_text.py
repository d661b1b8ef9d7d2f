"""A story's final text: exactly the parts each consented account will receive, and a digest to sign off.

The parts come from render.py with each account's footer (and the support line when the story's saved care touches
suicide or a death from drugs: footers.py), as the publishers send them, so what the storyteller reads is what goes
out. The digest changes whenever anything they would see changes: the words, the name, the
content warning, a footer, the accounts, or a photo or its alt text.
"""

import hashlib
import json
from dataclasses import dataclass

from .care import touches_death
from .config import Config
from .footers import adds_support, footer_for
from .publishers import OutgoingImage
from .render import LABELS, render

OUTBOX_LABEL = "The outbox file"


@dataclass(frozen=True)
class NetworkText:
    """What one account receives: its parts in order, Mastodon's content warning, and the photos on each part."""

    account: str
    platform: str
    label: str  # the network's name for people: "Mastodon"
    parts: tuple[str, ...] = ()
    spoiler_text: str | None = None
    images: tuple[tuple[int, ...], ...] = ()  # per part, the positions of the photos on it
    problem: str | None = None  # why it cannot go out as it is (e.g. a content warning too long)
    support: bool = False  # its last part ends with the organisation's support line


def network_texts(config: Config, text: str, networks: list[str], content_warning: str | None,
                  photos: list, care: dict | None = None) -> list[NetworkText]:
    """Render the text for each chosen account; `photos` are rows or Attached with position and part, `care` the
    story's saved care result (it decides the support line, as the worker's is decided from the post's)."""
    chosen = [OutgoingImage(p.position, p.digest, p.alt, getattr(p, "part", 1) or 1) for p in photos]
    touches = touches_death(care)
    return [_one(config, name, text, content_warning, chosen, touches) for name in networks if _known(config, name)]


def _known(config: Config, name: str) -> bool:
    """Tell whether the account is still configured (one removed since is simply not shown)."""
    return any(account.name == name for account in config.accounts)


def _one(config: Config, name: str, text: str, warning: str | None, photos: list[OutgoingImage],
         touches: bool) -> NetworkText:
    """Render for one account as its publisher would (Mastodon at its usual 500 characters)."""
    account, support = config.account(name), config.care.support_footer
    label = LABELS.get(account.platform, OUTBOX_LABEL)
    try:
        rendered = render(text, account.platform, content_warning=warning,
                          footer=footer_for(account.footer, support, touches))
    except ValueError as error:
        return NetworkText(name, account.platform, label, problem=str(error))
    count = len(rendered.parts)
    by_part = tuple(tuple(p.position for p in photos if min(p.part, count) == number) for number in range(1, count + 1))
    return NetworkText(name, account.platform, label, rendered.parts, rendered.spoiler_text, by_part,
                       support=adds_support(support, touches))


def digest(texts: list[NetworkText], warning: str | None, photos: list) -> str:
    """A SHA-256 of everything the storyteller saw: every account's parts, the warning and each photo and alt text."""
    seen = {
        "networks": [[t.account, t.platform, list(t.parts), t.spoiler_text, [list(i) for i in t.images], t.problem]
                     for t in texts],
        "warning": warning,
        "photos": sorted([p.position, p.digest, p.alt, bool(getattr(p, "decorative", False))] for p in photos),
    }
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
