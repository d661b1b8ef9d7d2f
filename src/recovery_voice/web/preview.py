"""Per-network previews: the parts each network would receive, counted its own way, as the publishers send them.

A post that touches suicide or a death from drugs ends with the support line (footers.py): a post being written
is decided with care.assess on the typed words, a saved one with its saved care result, as the worker decides.
"""

from ..attachments import on_part
from ..care import TOPIC_WORDS, assess, touches_death
from ..footers import adds_support, footer_for
from ..publishers import OutgoingImage
from ..render import LABELS, LIMITS, length, render


def previews(text: str, content_warning: str | None = None, footers: dict | None = None,
             images: list[dict] = ()) -> list[dict]:
    """Describe how the text goes out on each network: its length as one post, the limit, and its thread parts.

    `images` are dicts with at least "part" (as the pages show them); each network's "images" lists, part by
    part, the ones that fall on it there (a part its thread does not have means its last part).
    """
    result = []
    for platform, limit in LIMITS.items():
        footer = (footers or {}).get(platform)
        try:
            rendered = render(text, platform, content_warning=content_warning, footer=footer)
        except ValueError as error:  # e.g. a content warning too long to leave room for any text
            result.append({"key": platform, "label": LABELS[platform], "length": None, "limit": limit,
                           "fits": False, "parts": [], "problem": str(error)})
            continue
        whole = text + (f"\n\n{footer}" if footer else "")
        spoiler = content_warning if content_warning else None
        result.append({"key": platform, "label": LABELS[platform], "length": length(whole, platform, spoiler),
                       "limit": limit, "fits": len(rendered.parts) == 1, "parts": list(rendered.parts),
                       "images": images_by_part(images, len(rendered.parts)), "problem": None})
        result[-1]["placement"] = placement(result[-1]["images"])
    return result


def placement(parts: list[list[dict]]) -> str:
    """Say which images go on which part of a thread: "images 1 and 2 on part 1, image 3 on part 2"."""
    said = []
    for number, chosen in enumerate(parts, start=1):
        if chosen:
            positions = " and ".join(str(image["position"]) for image in chosen)
            said.append(f"{'image' if len(chosen) == 1 else 'images'} {positions} on part {number}")
    return ", ".join(said)


def images_by_part(images: list[dict], count: int) -> list[list[dict]]:
    """For each of `count` thread parts, the images that go on it (attachments.on_part decides)."""
    outgoing = tuple(OutgoingImage(index, "", "", image["part"]) for index, image in enumerate(images))
    return [[images[chosen.position] for chosen in on_part(outgoing, number, count)]
            for number in range(1, count + 1)]


def footers_by_platform(config, touches_death: bool = False) -> dict:
    """The footer each network's posts end with: the first configured account of that network that has one, after
    the support line when the post touches a death (footers.footer_for decides, as for the publishers)."""
    own = {}
    for account in config.accounts:
        if account.footer and account.platform not in own:
            own[account.platform] = account.footer
    found = {platform: footer_for(own.get(platform), config.care.support_footer, touches_death)
             for platform in {*LIMITS, *own}}
    return {platform: footer for platform, footer in found.items() if footer}


def typed_previews(config, text: str, content_warning: str | None, images: list[dict] = ()) -> list[dict]:
    """The previews of a text being written: care.assess on the typed words decides the support line."""
    care = assess(text, region=config.region) if text else None
    return saved_previews(config, text, content_warning, care, images)


def saved_previews(config, text: str, content_warning: str | None, care: dict | None,
                   images: list[dict] = ()) -> list[dict]:
    """The previews of a post with this care result (a saved post's: the one its approval and the worker read).

    Each network's preview says, in "support", why its count includes the support line (None when it does not).
    """
    note = support_note(config, care)
    shown = previews(text, content_warning, footers_by_platform(config, touches_death(care)), images)
    return [{**preview, "support": note} for preview in shown]


def support_note(config, care: dict | None, what: str = "post") -> str | None:
    """Say why the support line is there ("added because this post mentions suicide"); None when it is not added."""
    if not adds_support(config.care.support_footer, touches_death(care)):
        return None
    topics = " and ".join(TOPIC_WORDS.get(topic, topic) for topic in (care or {}).get("topics", []))
    return f"added because this {what} mentions {topics}"
