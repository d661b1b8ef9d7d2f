"""Per-network previews show exactly the parts each publisher sends, counted each network's way."""

from recovery_voice.render import render
from recovery_voice.web.preview import footers_by_platform, previews

STORY = " ".join(f"Sentence {n} of my story, told in my own words." for n in range(60))


def test_a_short_post_is_one_part_on_every_network():
    shown = previews("Our café is open.")
    assert [p["key"] for p in shown] == ["x", "mastodon", "bluesky"]
    assert all(p["fits"] and p["parts"] == ["Our café is open."] for p in shown)
    assert [p["limit"] for p in shown] == [280, 500, 300]


def test_the_content_warning_counts_the_way_each_network_receives_it():
    [x, mastodon, bluesky] = previews("Our café is open.", content_warning="mentions of loss")
    assert x["length"] == len("Content warning: mentions of loss\n\nOur café is open.")
    assert mastodon["length"] == len("mentions of loss") + len("Our café is open.")
    assert x["parts"] == ["Content warning: mentions of loss\n\nOur café is open."]
    assert mastodon["parts"] == ["Our café is open."]  # Mastodon sends it as spoiler_text instead


def test_a_long_story_previews_the_same_thread_the_publisher_sends():
    for shown in previews(STORY, footers={"bluesky": "Need support? Call 0300 123 4567"}):
        expected = render(STORY, shown["key"], footer="Need support? Call 0300 123 4567"
                          if shown["key"] == "bluesky" else None).parts
        assert not shown["fits"] and shown["parts"] == list(expected) and len(expected) > 1


def test_a_warning_that_leaves_no_room_is_explained_not_crashed_on():
    [x, _, bluesky] = previews("Hello.", content_warning="w" * 400)
    assert x["problem"] and "content warning" in x["problem"].lower() and x["parts"] == []


def test_the_footer_comes_from_the_first_account_on_that_network(project):
    project.write_config(accounts="""
[[accounts]]
name = "masto"
platform = "mastodon"
base_url = "https://example.social"
access_token_env = "T"
footer = "Support: 0300 123 4567"
""")
    assert footers_by_platform(project.config) == {"mastodon": "Support: 0300 123 4567"}
