"""Per-network previews: each platform's length count and threads that never go over the limit."""

from recovery_voice.web.preview import bluesky_length, mastodon_length, previews, split_thread, x_length

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"  # one emoji made of three people
LINK = "https://example.org/a/very/long/path/that/goes/on/and/on/for/a/while/yes"


def test_x_weighs_emoji_and_links_as_x_does():
    assert x_length("café") == 4
    assert x_length(FAMILY) == 2
    assert x_length(f"See {LINK}") == 4 + 23


def test_mastodon_counts_graphemes_and_every_link_as_23():
    assert mastodon_length(FAMILY) == 1
    assert mastodon_length(f"See {LINK}") == 4 + 23


def test_bluesky_counts_graphemes():
    assert bluesky_length(FAMILY + "e\u0301") == 2
    assert bluesky_length(LINK) == len(LINK)


def test_a_long_story_splits_into_numbered_parts_that_each_fit():
    story = " ".join(f"Sentence {n} of my story, told in my own words." for n in range(60))
    for limit, count in ((280, x_length), (500, mastodon_length), (300, bluesky_length)):
        parts = split_thread(story, limit, count)
        assert len(parts) > 1
        assert all(count(part) <= limit for part in parts)
        assert parts[0].endswith(f" 1/{len(parts)}") and parts[-1].endswith(f" {len(parts)}/{len(parts)}")
        assert " ".join(p.rsplit(" ", 1)[0] for p in parts).split() == story.split()


def test_a_short_post_is_one_part_and_the_content_warning_counts_on_mastodon():
    [x, mastodon, bluesky] = previews("Our café is open.", content_warning="mentions of loss")
    assert x["parts"] == ["Our café is open."] and x["fits"]
    assert mastodon["limit"] == 500 - len("mentions of loss")
    assert x["limit"] == 280 - len("Content warning: mentions of loss\n\n")
    assert bluesky["length"] == len("Our café is open.")
