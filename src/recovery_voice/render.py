"""Turn one post into what each network receives: counted the network's way and, when long, a numbered thread."""

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, groupby

import regex

LIMITS = {"x": 280, "mastodon": 500, "bluesky": 300}  # any other platform is the outbox: no limit
LABELS = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}
BLUESKY_MAX_BYTES = 3000
URL_LENGTH = 23  # X and Mastodon count every link as 23, however long
CW_PREFIX = "Content warning: {}\n\n"  # X and Bluesky have no content-warning field
FOOTER_SEPARATOR = "\n\n"
FILL = 0.5  # a better break (paragraph, sentence) wins over a later one if the part stays at least this full
TINY = 0.25  # a last part below this share of its room takes text from the one before it

_CLUSTER = regex.compile(r"\X")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# X weighs a code point 1 in these ranges and 2 elsewhere (twitter-text config v3), after NFC and \r\n -> \n.
_X_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")
_TWITTER_SPACE = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A word (between twitter-text's spaces) that could hold a link: it has a "." or ":" with more after it.
_LINK_WORD = re.compile(f"(?<![^{_TWITTER_SPACE}])(?=[^{_TWITTER_SPACE}]*[.:][^{_TWITTER_SPACE}])[^{_TWITTER_SPACE}]+")
# Mastodon counts @user@domain as @user (the rule Mastodon.py's get_status_length applies).
_MENTION = re.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9\.\-]+[a-z0-9]+)", re.IGNORECASE)
# Break points: whitespace (after a sentence end or not), and CJK sentence ends and commas, which take no space.
# No-break spaces are not break points: they are there to keep two things together.
_BREAK = re.compile(
    r"(?P<stop>[.!?…。！？][\"'”’)\]}»」』）】]*)?(?P<space>[^\S\xa0\u2007\u202f]+)"
    r"|(?P<cjk_stop>[。！？][」』）】”’]*)(?=\S)|(?P<cjk_comma>[、，])(?=\S)"
)
PARAGRAPH, SENTENCE, WORD = 3, 2, 1


@cache
def _twitter():
    """twitter-text's link finder and emoji data, imported on first use: the import alone takes most of a second,
    which every command that never renders a post (posts list, queue import...) would otherwise pay."""
    from twitter_text.extract_urls import extract_urls_with_indices
    from twitter_text.regexp import emoji

    return extract_urls_with_indices, emoji


@cache
def _emoji_start_class() -> re.Pattern:
    """Match where an X emoji can start, from twitter-text's own list: trying its huge pattern everywhere is slow."""
    _twitter_emoji = _twitter()[1]
    starts = {int(entry.codepoint.split()[0], 16) for entry in _twitter_emoji.emoji_list}
    for low, high in _twitter_emoji.single_codepoint_emoji_ranges:
        starts.update(range(low, high + 1))
    codes = sorted(code for code in starts if code > 0x7f)
    runs = groupby(enumerate(codes), key=lambda pair: pair[1] - pair[0])  # consecutive codes share code - index
    others = "".join(f"{re.escape(chr(run[0][1]))}-{re.escape(chr(run[-1][1]))}" for run in (list(r) for _, r in runs))
    # The only ASCII starts are keycaps (#, * and digits), always followed by U+FE0F or U+20E3.
    return re.compile(f"[#*0-9](?=[\ufe0f\u20e3])|(?=[^\x00-\x7f])[{others}]")


@dataclass(frozen=True)
class Rendered:
    """What one network receives for one post."""

    parts: tuple[str, ...]  # texts to send in order; part i replies to part i-1
    spoiler_text: str | None  # Mastodon only: the content warning, sent with every part


def length(text: str, platform: str, spoiler_text: str | None = None) -> int:
    """Count a text as the platform does (with the content warning as it would be sent; graphemes for the outbox)."""
    if platform == "mastodon":
        return _measure(text, platform)[0] + _graphemes(spoiler_text or "")
    return _measure(_with_warning(text, platform, spoiler_text), platform)[0]


def fits(text: str, platform: str, spoiler_text: str | None = None, max_length: int | None = None) -> bool:
    """Tell whether the text goes out as one post (Bluesky: within both its grapheme and byte limits)."""
    if platform not in LIMITS:
        return True
    sent = _with_warning(text, platform, spoiler_text)  # Mastodon's spoiler text is counted in its limits instead
    return all(used <= room for used, room in zip(_measure(sent, platform), _limits(platform, spoiler_text, max_length)))


def render(text: str, platform: str, *, content_warning: str | None = None, footer: str | None = None,
           max_length: int | None = None) -> Rendered:
    """Render a post for one platform: one part if it fits, else a numbered thread; ValueError if impossible."""
    text, warning, footer = text.strip(), (content_warning or "").strip() or None, (footer or "").strip() or None
    if platform not in LIMITS:  # the outbox keeps the warning separately and is never split
        return Rendered((text + (FOOTER_SEPARATOR + footer if footer else ""),), None)
    return Rendered(_Thread(text, platform, warning, footer, max_length).parts(), _spoiler(platform, warning))


def _spoiler(platform: str, warning: str | None) -> str | None:
    """Give Mastodon the content warning as spoiler text; other platforms have no such field."""
    return warning if platform == "mastodon" else None


def _with_warning(text: str, platform: str, warning: str | None) -> str:
    """Put the content warning in front of the text, as X and Bluesky receive it."""
    return CW_PREFIX.format(warning) + text if warning and platform in ("x", "bluesky") else text


def _limits(platform: str, spoiler_text: str | None, max_length: int | None) -> tuple[int, ...]:
    """Give the platform's limits, one per unit it measures; Mastodon's spoiler text uses up part of every post."""
    limit = max_length or LIMITS[platform]
    if platform == "mastodon":
        return (limit - _graphemes(spoiler_text or ""),)
    return (limit, BLUESKY_MAX_BYTES) if platform == "bluesky" else (limit,)


def _measure(text: str, platform: str) -> tuple[int, ...]:
    """Measure a text exactly in the units the platform limits: X weight, Mastodon's count, or graphemes and bytes."""
    if platform == "x":
        return (_x_weight(text),)
    if platform == "mastodon":
        return (_graphemes(_mastodon_countable(text)),)
    return (_graphemes(text), len(text.encode("utf-8")))


def _graphemes(text: str) -> int:
    """Count grapheme clusters: what a reader sees as one character, such as a flag or a family emoji."""
    return len(_CLUSTER.findall(text))


def _x_weight(text: str) -> int:
    """Give twitter-text's parse_tweet(text).weightedLength, without running its slow emoji pattern everywhere."""
    text = _LINE_ENDINGS.sub("\n", unicodedata.normalize("NFC", text))
    entities = [(start, end, URL_LENGTH * 100) for start, end in _urls(text, without_protocol=True)]
    entities += [(start, end, 200) for start, end in _emoji_spans(text)]
    total, done = 0, 0
    for start, end, weight in sorted(entities, key=lambda e: (e[0], -e[2])):  # a link wins over an emoji
        if start >= done:  # parse_tweet jumps over a whole entity, so one starting inside another is ignored
            total += _x_plain(text, done, start) + weight
            done = end
    return (total + _x_plain(text, done, len(text))) // 100


def _x_plain(text: str, start: int, end: int) -> int:
    """Weigh text[start:end] character by character (in hundredths, as twitter-text does)."""
    return 100 * (end - start) + 100 * len(_X_HEAVY.findall(text, start, end))


def _emoji_spans(text: str) -> list[tuple[int, int]]:
    """Find the emoji twitter-text finds, trying its pattern only where an emoji can start."""
    spans, done = [], 0
    emoji = _twitter()[1].emoji
    for start in _emoji_start_class().finditer(text):
        found = emoji.match(text, start.start()) if start.start() >= done else None
        if found:
            spans.append(found.span())
            done = found.end()
    return spans


def _mastodon_countable(text: str) -> str:
    """Rewrite a text the way Mastodon counts it: each http(s) link as 23 characters, @user@domain as @user."""
    pieces, done = [], 0
    for start, end in _urls(text, without_protocol=False):
        pieces += [text[done:start], "x" * URL_LENGTH]
        done = end
    return _MENTION.sub(r"\1@\3", "".join(pieces) + text[done:])


def _unit_costs(text: str, platform: str) -> list[list[int]]:
    """Estimate each character's cost in each unit, so any stretch can be estimated by a subtraction."""
    if platform == "x":
        cost = [1] * len(text)
        for heavy in _X_HEAVY.finditer(text):
            cost[heavy.start()] = 2
        entities = [(s, e, 2) for s, e in _emoji_spans(text)] + [(s, e, URL_LENGTH) for s, e in _urls(text, True)]
        return [_spread(cost, entities)]
    clusters = _cluster_marks(text)
    if platform == "mastodon":
        domains = [(m.end(3), m.end(2), 0) for m in _MENTION.finditer(text)]
        return [_spread(clusters, [(s, e, URL_LENGTH) for s, e in _urls(text, False)] + domains)]
    utf8 = [1] * len(text)
    for run in _NON_ASCII.finditer(text):
        for i in range(*run.span()):
            utf8[i] = len(text[i].encode("utf-8"))
    return [clusters, utf8]


def _urls(text: str, without_protocol: bool) -> list[tuple[int, int]]:
    """Find links as twitter-text does, one candidate word at a time: its pattern is slow and no link spans a space."""
    found = []
    extract_urls_with_indices = _twitter()[0]
    for word in _LINK_WORD.finditer(text):
        start = max(word.start() - 1, 0)  # the space before a link changes what twitter-text takes as the link
        links = extract_urls_with_indices(text[start:word.end()], extract_urls_without_protocol=without_protocol)
        found += [(start + u["indices"][0], start + u["indices"][1]) for u in links]
    return found


def _spread(cost: list[int], entities: list[tuple[int, int, int]]) -> list[int]:
    """Charge each entity's whole cost to its first character and nothing to the rest."""
    for start, end, weight in entities:
        cost[start:end] = [weight] + [0] * (end - start - 1)
    return cost


def _cluster_marks(text: str) -> list[int]:
    """Mark 1 where a grapheme cluster starts; clusters of several characters need a non-ASCII one or \\r\\n."""
    marks = [1] * len(text)
    for crlf in re.finditer("\r\n", text):
        marks[crlf.start() + 1] = 0
    for run in _NON_ASCII.finditer(text):
        for cluster in _CLUSTER.finditer(text, max(run.start() - 1, 0), run.end()):
            marks[cluster.start() + 1:cluster.end()] = [0] * (cluster.end() - cluster.start() - 1)
    return marks


class _Thread:
    """One text cut into parts for one platform: estimates guide the cuts, exact measures approve them."""

    def __init__(self, text: str, platform: str, warning: str | None, footer: str | None, max_length: int | None):
        self.text, self.platform, self.warning, self.footer = text, platform, warning, footer
        self.limit = max_length or LIMITS[platform]
        self.limits = _limits(platform, _spoiler(platform, warning), max_length)
        self.prefix = _with_warning("", platform, warning)  # on the first part (X and Bluesky)
        self.tail = FOOTER_SEPARATOR + footer if footer else ""  # on the last part
        self.gaps = _gaps(text)  # (start, end, priority) of each place the text may be cut
        self.starts = [gap[0] for gap in self.gaps]
        self.sums = [list(accumulate(cost, initial=0)) for cost in _unit_costs(text, platform)]
        self.gap_sums = [[sums[start] for start in self.starts] for sums in self.sums]
        self.first_cost, self.last_cost = _measure(self.prefix, platform), _measure(self.tail, platform)

    def parts(self) -> tuple[str, ...]:
        """Give the texts to send: the whole post when it fits, else a thread whose numbering width is stable."""
        whole = self.estimate(0, len(self.text))
        # The estimate is close (only Unicode normalisation can make it much too high): skip exact counts of long texts.
        if all(w + a + b <= 2 * room for w, a, b, room in zip(whole, self.first_cost, self.last_cost, self.limits)):
            single = (self.prefix + self.text + self.tail).strip()
            if self.fits_exactly(single):
                return (single,)
        spans = self.numbered_spans()
        if len(spans) == 1:  # the estimate was too cautious to try the whole post; the exact count says it fits
            return ((self.prefix + self.text + self.tail).strip(),)
        return tuple(self.part(span, i, len(spans), i == len(spans)) for i, span in enumerate(spans, 1))

    def numbered_spans(self) -> list[tuple[int, int]]:
        """Split with room for numbers of a guessed width until the thread's length has that many digits."""
        whole, middle = self.estimate(0, len(self.text)), self.room(2, 1, last=False)
        guess = max(math.ceil(1.05 * w / max(r, 1)) for w, r in zip(whole, middle))  # parts are rarely quite full
        digits, tried = len(str(guess)), set()
        while True:
            tried.add(digits)
            spans = self.split(digits)
            needed = len(str(len(spans)))
            if needed == digits or (needed < digits and needed in tried):  # narrower numbers made it longer
                return spans
            digits = needed

    def part(self, span: tuple[int, int], i: int, n: int | str, last: bool) -> str:
        """Assemble part i: the warning on the first, the number on each, the footer after the last's number."""
        body = self.text[span[0]:span[1]].strip()
        number = f" ({i}/{n})" if body else f"({i}/{n})"  # a warning or a footer may stand alone
        return (self.prefix if i == 1 else "") + body + number + (self.tail if last else "")

    def fits_exactly(self, sent: str) -> bool:
        """Measure a finished text exactly against the limits."""
        return all(used <= room for used, room in zip(_measure(sent, self.platform), self.limits))

    def span_fits(self, start: int, end: int, i: int, digits: int, last: bool = False) -> bool:
        """Tell exactly whether text[start:end] fits as part i with numbering of the given width."""
        return self.fits_exactly(self.part((start, end), i, "9" * digits, last))

    def estimate(self, start: int, end: int) -> tuple[int, ...]:
        """Estimate the cost of text[start:end] in each unit."""
        return tuple(sums[end] - sums[start] for sums in self.sums)

    def room(self, i: int, digits: int, last: bool) -> tuple[int, ...]:
        """Give the room for part i's text: its limits less the warning, the number and (last part) the footer."""
        number = len(f" ({i}/{'9' * digits})")
        return tuple(limit - number - (self.first_cost[u] if i == 1 else 0) - (self.last_cost[u] if last else 0)
                     for u, limit in enumerate(self.limits))

    def split(self, digits: int) -> list[tuple[int, int]]:
        """Cut the text greedily into (start, end) spans, then spare the thread a tiny last part."""
        spans, start, end_of_text = [], 0, len(self.text)
        while True:
            i = len(spans) + 1
            if min(self.room(i, digits, last=False)) <= 0:
                raise ValueError(self.no_room(i == 1, False))
            room = self.room(i, digits, last=True)  # on the first part the footer may not fit beside the warning
            if min(room) <= 0 and i > 1:
                raise ValueError(self.no_room(False, True))
            if all(e <= r for e, r in zip(self.estimate(start, end_of_text), room)) \
                    and self.span_fits(start, end_of_text, i, digits, last=True):
                spans.append((start, end_of_text))
                return self.rebalance(spans, digits)
            end, start_next = self.cut(start, i, digits)
            spans.append((start, end))
            start = start_next

    def cut(self, start: int, i: int, digits: int) -> tuple[int, int]:
        """Choose where part i (not the last) ends and the next begins: the best break that fits, else see the word."""
        room = self.room(i, digits, last=False)
        first = bisect_right(self.starts, start)
        furthest = min(bisect_right(gap_sums, sums[start] + r, first) - 1
                       for gap_sums, sums, r in zip(self.gap_sums, self.sums, room))
        choices = [self.prefer(start, first, furthest, room[0])] if furthest >= first else []
        for j in choices + list(range(furthest, first - 1, -1)) + [first]:  # exact check; step back if it disagrees
            if j < len(self.gaps) and self.span_fits(start, self.gaps[j][0], i, digits):
                return self.gaps[j][0], self.gaps[j][1]
        return self.place_word(start, i, digits)

    def prefer(self, start: int, first: int, furthest: int, room: int) -> int:
        """Among the breaks that fit, take the strongest kind that still leaves the part at least FILL full."""
        best, floor = furthest, self.sums[0][start] + FILL * room
        for j in range(furthest, first - 1, -1):
            if self.gap_sums[0][j] < floor:
                break
            if self.gaps[j][2] > self.gaps[best][2]:
                best = j
        return best

    def place_word(self, start: int, i: int, digits: int) -> tuple[int, int]:
        """Place a first word that does not fit part i: after the warning or before the footer if that helps, else cut."""
        following = bisect_right(self.starts, start)
        word_end = self.starts[following] if following < len(self.starts) else len(self.text)
        if word_end == len(self.text) and self.span_fits(start, word_end, i, digits):
            return word_end, word_end  # the last word fits, only not beside the footer: the footer goes alone
        if i == 1 and self.prefix and self.span_fits(start, word_end, 2, digits):
            return start, start  # the word fits, only not beside the warning: the warning goes alone
        return self.cut_word(start, word_end, i, digits)

    def cut_word(self, start: int, word_end: int, i: int, digits: int) -> tuple[int, int]:
        """Cut inside a word too long for any part at the furthest grapheme boundary that fits."""
        bounds = [m.end() for m in _CLUSTER.finditer(self.text, start, word_end)][:-1]  # leave some for the next part
        low, high = 0, len(bounds) - 1
        while low <= high:  # binary search: the count is close enough to growing with the length
            middle = (low + high) // 2
            if self.span_fits(start, bounds[middle], i, digits):
                low = middle + 1
            else:
                high = middle - 1
        if high < 0:
            raise ValueError(self.no_room(i == 1, True))
        return bounds[high], bounds[high]

    def rebalance(self, spans: list[tuple[int, int]], digits: int) -> list[tuple[int, int]]:
        """Move text from the next-to-last part into a tiny last part when an earlier break lets both fit."""
        n, end_of_text = len(spans), len(self.text)
        if n < 2:
            return spans
        room = self.room(n, digits, last=True)
        (start, end), (last_start, _) = spans[-2], spans[-1]
        if self.estimate(last_start, end_of_text)[0] >= TINY * room[0]:
            return spans
        options = [j for j in range(bisect_right(self.starts, start), bisect_left(self.starts, end))
                   if TINY * room[0] <= self.estimate(self.gaps[j][1], end_of_text)[0]
                   and all(e <= r for e, r in zip(self.estimate(self.gaps[j][1], end_of_text), room))]
        if options:
            gap_start, gap_end, _ = self.gaps[max(options, key=lambda j: (self.gaps[j][2], j))]
            if self.span_fits(start, gap_start, n - 1, digits) \
                    and self.span_fits(gap_end, end_of_text, n, digits, last=True):
                spans[-2:] = [(start, gap_start), (gap_end, end_of_text)]
        return spans

    def no_room(self, first: bool, last: bool) -> str:
        """Explain which added text leaves no room for the post, and that it needs shortening."""
        on_every_part = self.platform == "mastodon"  # Mastodon's spoiler text goes with every part
        blame = [name for name, present in (("content warning", self.warning and (first or on_every_part)),
                                            ("footer", self.footer and last)) if present]
        where = f"{LABELS[self.platform]} ({self.limit} characters a post)"
        if not blame:
            return f"The text cannot be split into posts that fit {where}."
        return (f"The {' and the '.join(blame)} leave{'' if len(blame) > 1 else 's'} no room for the post's text "
                f"on {where}; shorten the {' or the '.join(blame)}.")


def _gaps(text: str) -> list[tuple[int, int, int]]:
    """List the places the text may be cut, as (start, end, priority): paragraph, then sentence or line, then word."""
    gaps = []
    for found in _BREAK.finditer(text):
        if found["space"]:
            space = found["space"]
            priority = PARAGRAPH if space.count("\n") >= 2 else SENTENCE if "\n" in space or found["stop"] else WORD
            gaps.append((found.start("space"), found.end("space"), priority))
        else:
            gaps.append((found.end(), found.end(), SENTENCE if found["cjk_stop"] else WORD))
    return gaps
