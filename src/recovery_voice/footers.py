"""The footer a post ends with on one account: the organisation's support line when the post touches suicide or a
death from drugs, then the account's own footer.

The one rule for every path that renders a post: the worker (publishers.Publisher.render, from the Outgoing that
dispatch.load_claimed builds), the compose and review previews (web/preview.py) and a story's final text
(final_text.py), so what a volunteer previews, an admin approves and a storyteller signs off is what goes out.
render.py puts the footer on the last part of a thread, counted against each network's limit; the words as
written are never changed.
"""

SEPARATOR = "\n\n"  # between the support line and the account's footer, as render.py puts the footer after the text


def footer_for(own: str | None, support: str | None, touches_death: bool) -> str | None:
    """Join the support line (only when the post touches a death) and the account's own footer; None when neither."""
    # The support line comes first, next to the words it answers; the account's footer stays its signature.
    lines = [support if touches_death else None, own]
    joined = SEPARATOR.join(line.strip() for line in lines if line and line.strip())
    return joined or None


def adds_support(support: str | None, touches_death: bool) -> bool:
    """Tell whether the support line is added: the post touches a death and the organisation has a line."""
    return touches_death and bool((support or "").strip())
