"""What each network receives for one post: counted its way, and split into numbered threads that always fit."""

import random
import re
import time

import pytest
import regex
from twitter_text import parse_tweet

from recovery_voice.render import LIMITS, Rendered, fits, length, render

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # one emoji made of four people (25 bytes)
FLAG = "\U0001F1EC\U0001F1E7"
THUMB = "\U0001F44D\U0001F3FD"  # thumbs up with a skin tone
KEYCAP = "1\uFE0F\u20E3"
COMBINING = "e\u0301"  # é written as e + combining acute
LINK = "https://example.org/recovery/groups/near-you/a/very/long/path/that/goes/on/and/on?utm=1&x=2"
FOOTER = "Need support? Call 0300 123 4567"
CW = "mentions relapse"
PLATFORMS = ("x", "mastodon", "bluesky")
WORDS = ("recovery is possible and we walk it together one day at a time with people who understand "
         "what it takes to stay well").split()


def story(words: int, seed: int = 1) -> str:
    """Write a story of plain sentences in paragraphs, like the ones charities share."""
    rng = random.Random(seed)
    out = []
    for i in range(words):
        word = rng.choice(WORDS)
        out.append(word.capitalize() if i == 0 or out[-1].endswith((".", "\n\n")) else word)
        if rng.random() < 0.12:
            out[-1] += rng.choice([".", ".", "!", "?", '."', ".)"])
            if rng.random() < 0.2:
                out[-1] += "\n\n"
    return " ".join(out).replace("\n\n ", "\n\n") + "."


def bodies(rendered: Rendered, platform: str, content_warning=None, footer=None) -> list[str]:
    """Take each part apart again, checking the warning, numbering and footer are where they belong."""
    n, out = len(rendered.parts), []
    for i, part in enumerate(rendered.parts, 1):
        if i == 1 and content_warning and platform in ("x", "bluesky"):
            assert part.startswith(f"Content warning: {content_warning}\n\n")
            part = part[len(f"Content warning: {content_warning}\n\n"):]
        if i == n and footer:
            assert part.endswith("\n\n" + footer)
            part = part[:-len("\n\n" + footer)]
        if n > 1:
            assert re.search(rf"(^| )\({i}/{n}\)$", part), part[-30:]
            part = part[:-len(f"({i}/{n})")].rstrip(" ")
        assert part == part.strip(), "whitespace left at a part's edge"
        out.append(part)
    return out


def assert_sound(rendered: Rendered, text: str, platform: str, content_warning=None, footer=None, max_length=None):
    """Every part fits, and the bodies give back the whole text in order."""
    for part in rendered.parts:
        assert fits(part, platform, rendered.spoiler_text, max_length), (platform, length(part, platform), part)
        if platform == "x" and not max_length:
            assert parse_tweet(part).weightedLength <= 280
        if platform == "bluesky":
            assert len(regex.findall(r"\X", part)) <= (max_length or 300) and len(part.encode()) <= 3000
    joined = bodies(rendered, platform, content_warning, footer)
    assert re.sub(r"\s+", "", "".join(joined)) == re.sub(r"\s+", "", text), "text lost or reordered"
    return joined


# Counting


def test_it_counts_x_as_twitter_text_does():
    for text in ["café", FAMILY, FLAG, THUMB, KEYCAP, COMBINING * 3, "回復は可能です", f"See {LINK}", "see example.com",
                 "line\r\nbreak", "a\u0600" + "1", f"{FAMILY}{LINK}", "#️⃣ 10:30 e.g. … ©"]:
        assert length(text, "x") == parse_tweet(text).weightedLength, text


def test_it_weighs_cjk_and_emoji_as_two_and_a_url_as_23_on_x():
    assert length("日本", "x") == 4
    assert length(FAMILY, "x") == 2
    assert length(f"See {LINK}", "x") == 4 + 23


def test_it_counts_a_url_as_23_on_mastodon():
    assert length(LINK, "mastodon") == 23
    assert length(f"See {LINK} now", "mastodon") == 4 + 23 + 4


def test_it_counts_a_remote_mention_as_just_the_user_on_mastodon():
    assert length("hi @sam@recovery.social", "mastodon") == len("hi @sam")


def test_it_counts_the_spoiler_text_on_mastodon():
    assert length("hello", "mastodon", spoiler_text=CW) == 5 + len(CW)
    assert fits("a" * 480, "mastodon", spoiler_text="b" * 20)
    assert not fits("a" * 481, "mastodon", spoiler_text="b" * 20)


def test_it_agrees_with_mastodon_py_on_status_length():
    mastodon = pytest.importorskip("mastodon")
    for text in [FAMILY + FLAG, f"See {LINK}.", "hi @sam@recovery.social and @jo", COMBINING * 4, "回復 " + THUMB]:
        assert length(text, "mastodon", CW) == mastodon.Mastodon.get_status_length(text, CW), text


def test_it_counts_graphemes_on_bluesky():
    assert length(FAMILY + FLAG + THUMB + KEYCAP + COMBINING, "bluesky") == 5
    assert length("日本語", "bluesky") == 3


def test_it_checks_both_the_grapheme_and_the_byte_limit_on_bluesky():
    text = FAMILY * 150  # 150 graphemes but 3,750 bytes
    assert length(text, "bluesky") == 150
    assert not fits(text, "bluesky")
    assert fits(FAMILY * 120, "bluesky")


def test_it_honours_a_mastodon_instance_max_length():
    assert not fits("a" * 600, "mastodon")
    assert fits("a" * 600, "mastodon", max_length=1000)
    assert render("a " * 300, "mastodon", max_length=1000).parts == (("a " * 300).strip(),)


def test_it_counts_the_content_warning_as_x_and_bluesky_receive_it():
    assert length("hello", "x", spoiler_text=CW) == len(f"Content warning: {CW}\n\nhello")
    assert length("hello", "bluesky", spoiler_text=CW) == len(f"Content warning: {CW}\n\nhello")


def test_the_outbox_has_no_limit():
    assert fits("a" * 100_000, "outbox")


# One post


def test_it_keeps_a_short_post_in_one_part():
    for platform in PLATFORMS:
        assert render("  We're open today.  ", platform) == Rendered(("We're open today.",), None)


def test_it_puts_the_content_warning_first_on_x_and_bluesky():
    for platform in ("x", "bluesky"):
        assert render("Hello", platform, content_warning=CW).parts == (f"Content warning: {CW}\n\nHello",)


def test_it_sends_the_content_warning_as_spoiler_text_on_mastodon():
    assert render("Hello", "mastodon", content_warning=CW) == Rendered(("Hello",), CW)


def test_it_appends_the_footer_to_the_post():
    assert render("Hello", "x", footer=FOOTER).parts == (f"Hello\n\n{FOOTER}",)


def test_the_outbox_gets_text_and_footer_without_the_warning_and_never_splits():
    text = story(3000)
    assert render(text, "outbox", content_warning=CW, footer=FOOTER) == Rendered((f"{text}\n\n{FOOTER}",), None)


# Threads


def test_it_numbers_the_parts_of_a_thread():
    rendered = render(story(200), "x")
    assert len(rendered.parts) > 1
    for i, part in enumerate(rendered.parts, 1):
        assert part.endswith(f" ({i}/{len(rendered.parts)})")
    assert_sound(rendered, story(200), "x")


def test_it_counts_the_footer_against_the_limit():
    text = "word " * 50 + "end"  # 253 characters: fits X alone, not with the footer
    assert fits(text, "x")
    rendered = render(text, "x", footer=FOOTER)
    assert len(rendered.parts) == 2
    assert rendered.parts[-1].endswith(f" (2/2)\n\n{FOOTER}")
    assert_sound(rendered, text, "x", footer=FOOTER)


def test_it_puts_the_warning_only_on_the_first_part_and_the_footer_only_on_the_last():
    text = story(400)
    for platform in ("x", "bluesky"):
        rendered = render(text, platform, content_warning=CW, footer=FOOTER)
        assert sum("Content warning" in part for part in rendered.parts) == 1
        assert sum(FOOTER in part for part in rendered.parts) == 1
        assert_sound(rendered, text, platform, CW, FOOTER)


def test_it_counts_the_spoiler_text_against_every_mastodon_part():
    text = story(600)
    rendered = render(text, "mastodon", content_warning="w" * 100)
    assert rendered.spoiler_text == "w" * 100
    assert all(length(part, "mastodon") <= 400 for part in rendered.parts)
    assert max(length(part, "mastodon") for part in rendered.parts) > 380  # and uses the room that is left
    assert_sound(rendered, text, "mastodon", "w" * 100)


def test_it_splits_at_a_paragraph_break_when_it_can():
    first, second = "One two three four. " * 8, "Five six seven eight. " * 8
    text = f"{first.strip()}\n\n{second.strip()}"
    rendered = render(text, "x")
    assert bodies(rendered, "x") == [first.strip(), second.strip()]


def test_it_splits_after_a_sentence_keeping_its_closing_quote():
    text = "word " * 30 + 'and she said "we can do this." ' + "more " * 30
    rendered = render(text.strip(), "bluesky")
    assert bodies(rendered, "bluesky")[0].endswith('"we can do this."')


def test_it_splits_between_words_rather_than_inside_one():
    text = " ".join(["recovery"] * 100)
    for part in bodies(render(text, "x"), "x"):
        assert set(part.split()) == {"recovery"}


def test_it_never_splits_a_url_mention_or_hashtag():
    for token in (LINK, "@sam@recovery.social", "#RecoveryIsPossible"):
        for filler in range(0, 40):
            text = "go " * (85 + filler) + token + " end"
            joined = assert_sound(render(text, "bluesky"), text, "bluesky")
            assert sum(token in part for part in joined) == 1


def test_it_cuts_a_word_longer_than_the_limit_at_grapheme_boundaries():
    for word in ("a" * 700, THUMB * 600, COMBINING * 600, "日" * 600):
        for platform in PLATFORMS:
            rendered = render(word, platform)
            assert len(rendered.parts) > 1
            pieces = bodies(rendered, platform)
            assert "".join(pieces) == word
            clusters = [cluster for piece in pieces for cluster in regex.findall(r"\X", piece)]
            assert clusters == regex.findall(r"\X", word)  # no cut fell inside a grapheme


def test_it_cuts_a_long_url_only_when_it_alone_exceeds_the_limit():
    long_link = "https://example.org/" + "a" * 400
    rendered = render(f"Read {long_link} today", "bluesky")
    assert_sound(rendered, f"Read {long_link} today", "bluesky")
    assert bodies(rendered, "bluesky")[0] == "Read"  # it gets a part of its own before it is cut
    assert render(f"Read {long_link} today", "x").parts == (f"Read {long_link} today",)  # X counts it as 23


def test_it_never_makes_a_part_over_the_bluesky_byte_limit():
    text = " ".join([FAMILY * 10] * 60)  # 600 graphemes, 15,000 bytes
    rendered = render(text, "bluesky")
    assert all(len(part.encode()) <= 3000 for part in rendered.parts)
    assert_sound(rendered, text, "bluesky")


def test_it_widens_the_numbering_when_the_thread_reaches_ten_parts():
    text = story(700)
    rendered = render(text, "x")
    n = len(rendered.parts)
    assert n >= 10
    assert rendered.parts[0].endswith(f" (1/{n})") and rendered.parts[-1].endswith(f" ({n}/{n})")
    assert_sound(rendered, text, "x")


def test_it_fills_each_part_as_far_as_it_can():
    text = " ".join(["recovery"] * 200)  # no better break than between words, so each part is filled
    rendered = render(text, "x")
    for part in rendered.parts[:-1]:
        assert length(part, "x") > 280 - len(" recovery")


def test_it_avoids_a_tiny_last_part():
    text = "Sentence number one is here. " * 10 + "And a last word."  # greedy would leave 45 characters
    pieces = bodies(render(text.strip(), "x"), "x")
    assert len(pieces) == 2
    assert len(pieces[-1]) >= 70
    assert pieces[-1].startswith("Sentence")


def test_it_splits_cjk_text_after_its_sentence_ends():
    text = "回復は可能です。一緒に歩きましょう。" * 20
    pieces = bodies(render(text, "x"), "x")
    assert all(piece.endswith("。") for piece in pieces)
    assert "".join(pieces) == text


def test_it_lets_the_content_warning_stand_alone_rather_than_cut_a_word():
    link = "https://example.org/" + "a" * 260  # fits a Bluesky post, but not beside the warning
    rendered = render(f"{link} is the place", "bluesky", content_warning=CW)
    assert rendered.parts[0] == f"Content warning: {CW}\n\n(1/2)"
    assert_sound(rendered, f"{link} is the place", "bluesky", CW)


def test_it_lets_the_footer_stand_alone_rather_than_cut_a_word():
    link = "https://example.org/" + "a" * 260  # fits a Bluesky post, but not beside the footer
    rendered = render(f"Read this {link}", "bluesky", footer=FOOTER)
    assert rendered.parts == ("Read this (1/3)", f"{link} (2/3)", f"(3/3)\n\n{FOOTER}")

def test_it_raises_when_the_content_warning_leaves_no_room():
    with pytest.raises(ValueError, match="shorten the content warning"):
        render("Hello there", "x", content_warning="c" * 300)
    with pytest.raises(ValueError, match="shorten the content warning"):
        render("Hello there", "mastodon", content_warning="c" * 497)


def test_it_raises_when_the_footer_leaves_no_room():
    with pytest.raises(ValueError, match="shorten the footer"):
        render("Hello there", "bluesky", footer="f" * 300)


def test_it_raises_naming_both_when_the_warning_and_footer_together_leave_no_room_on_mastodon():
    with pytest.raises(ValueError, match="content warning and the footer.*shorten the content warning or the footer"):
        render("Hello there", "mastodon", content_warning="c" * 300, footer="f" * 200)


# Size and speed


@pytest.mark.parametrize("platform", PLATFORMS)
def test_it_renders_a_5000_word_story_quickly(platform):
    text = story(5000)
    render(text, platform, content_warning=CW, footer=FOOTER)  # warm up
    started = time.perf_counter()
    rendered = render(text, platform, content_warning=CW, footer=FOOTER)
    elapsed = time.perf_counter() - started
    assert_sound(rendered, text, platform, CW, FOOTER)
    assert elapsed < 0.25, f"{platform}: {elapsed * 1000:.0f} ms"  # about 10-20 ms; generous for busy machines


# Randomized

PIECES = ["recovery", "is", "possible.", "together!", "why?", "wait…", "“quoted.”", "(aside.)", "🙂", FAMILY, FLAG,
          THUMB, KEYCAP, "©", COMBINING, "日本語", "回復は可能です。", "一緒に、歩こう", "한국어", LINK, "http://t.co/abc",
          "example.com", "@sam", "@sam@recovery.social", "#recovery", "#回復", "10:30", "e.g.", "\n", "\n\n", "\r\n",
          "\u00a0", "\t", "x" * 350, "日" * 200, "supercalifragilistic" * 3, "ℹ️"]


def random_text(rng: random.Random) -> str:
    """Make a text from a random mix of words, emoji, CJK, links, mentions and line breaks."""
    out = []
    for _ in range(rng.choice([1, 5, 20, 60, 200])):
        out.append(rng.choice(PIECES) if rng.random() < 0.4 else rng.choice(WORDS))
        out.append(rng.choice([" ", " ", " ", "", "\n", "\n\n", "  "]))
    return "".join(out).strip() or "empty"


def test_random_texts_always_fit_and_lose_nothing():
    rng = random.Random(20240501)
    for _ in range(120):
        text = random_text(rng)
        for platform in PLATFORMS:
            warning, footer = rng.choice([None, CW, "self-harm 🙁"]), rng.choice([None, FOOTER])
            max_length = rng.choice([None, 200, 1000]) if platform == "mastodon" else None
            rendered = render(text, platform, content_warning=warning, footer=footer, max_length=max_length)
            assert_sound(rendered, text, platform, warning, footer, max_length)
            if len(rendered.parts) == 1:
                continue
            limit = max_length or LIMITS[platform]
            assert all(length(part, platform, rendered.spoiler_text) <= limit for part in rendered.parts)


def test_random_texts_are_counted_on_x_exactly_as_twitter_text_counts_them():
    rng = random.Random(7)
    for _ in range(150):
        text = random_text(rng)[:600]
        assert length(text, "x") == parse_tweet(text).weightedLength, text
