"""Per-network previews: the parts each network would receive, counted its own way, as the publishers send them."""

from ..render import LABELS, LIMITS, length, render


def previews(text: str, content_warning: str | None = None, footers: dict | None = None) -> list[dict]:
    """Describe how the text goes out on each network: its length as one post, the limit, and its thread parts."""
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
                       "problem": None})
    return result


def footers_by_platform(config) -> dict:
    """The footer each network's posts end with: the first configured account of that network that has one."""
    found = {}
    for account in config.accounts:
        if account.footer and account.platform not in found:
            found[account.platform] = account.footer
    return found
