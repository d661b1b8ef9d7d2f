"""Per-network previews: the parts each network would receive, counted its own way, as the publishers send them."""

from ..attachments import on_part
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


def footers_by_platform(config) -> dict:
    """The footer each network's posts end with: the first configured account of that network that has one."""
    found = {}
    for account in config.accounts:
        if account.footer and account.platform not in found:
            found[account.platform] = account.footer
    return found
