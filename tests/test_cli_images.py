"""Images on the command line, run as a person runs it: posts add --image, posts list, queue import."""

import json

import pytest

from conftest import sqlite_only
from imagekit import SECRET_WORDS, bad_image_files, encoded, phone_photo, screenshot

# The command line is the same door on either database; SQLite keeps these many runs of it light.
pytestmark = sqlite_only

WALK = "Five people on a hill path in the sun, two of them laughing."
X_AND_OUTBOX = ('[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "A"\nconsumer_secret_env = "B"\n'
                'access_token_env = "C"\naccess_token_secret_env = "D"\n'
                '[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{outbox}"\n')


@pytest.fixture
def ready(project):
    """An initialised project with a phone photo (GPS and all) and a PNG flyer in its folder."""
    project.cli("init", check=True)
    (project.root / "walk.jpg").write_bytes(phone_photo())
    (project.root / "flyer.png").write_bytes(encoded(screenshot(800, 450), "PNG"))
    return project


def media_files(project) -> list[str]:
    """The stored images (not the fitted cache folder)."""
    folder = project.config.media_dir
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def add(project, *args, text="Sunday walk, all welcome."):
    """Run `posts add` with this text and these options."""
    return project.cli("posts", "add", "--text", text, *args)


def refused(result) -> str:
    """The one-line message of a refusal, checking it is one: exit 2, no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and not result.stdout.strip()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_posts_add_queues_one_post_with_two_images_and_prints_its_id_and_alt_text_findings(ready):
    result = add(ready, "--image", "walk.jpg", "--alt", "Five addicts on a hill path", "--people", "agreed",
                 "--image", "flyer.png", "--decorative", "--people", "none", "--part", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("queued post 1 (waiting for approval)\n")
    assert "warning: \"addicts\" in image 1's alt text (addict-noun)" in result.stdout
    [post] = json.loads(ready.cli("posts", "list", "--format", "json", check=True).stdout)
    assert [(i["alt"], i["decorative"], i["people"], i["part"], i["width"], i["height"]) for i in post["images"]] == [
        ("Five addicts on a hill path", False, "agreed", 1, 640, 480), ("", True, "none", 2, 800, 450)]
    assert sorted(name.split(".")[0] for name in media_files(ready)) == sorted(i["digest"] for i in post["images"])
    for name in media_files(ready):
        data = (ready.config.media_dir / name).read_bytes()
        assert not any(secret in data for secret in SECRET_WORDS), name
    assert b"HomeStreet" in (ready.root / "walk.jpg").read_bytes(), "the person's own file is left as it was"


def test_posts_list_shows_how_many_images_each_post_has_and_which_lack_alt_text(ready):
    add(ready, "--image", "walk.jpg", "--people", "agreed", "--image", "flyer.png", "--alt", "Café flyer",
        "--people", "none")
    add(ready, text="Open today, no images.")
    table = ready.cli("posts", "list", check=True).stdout.splitlines()
    assert table[0].split()[:7] == ["id", "status", "due", "accounts", "language", "images", "text"]
    column = slice(table[0].index("images"), table[0].index("text"))
    cells = {line[table[0].index("text"):].strip(): line[column].strip() for line in table[1:]}
    assert cells == {"Sunday walk, all welcome.": "2 (1 without alt text)", "Open today, no images.": ""}


def test_an_image_without_alt_text_is_queued_with_an_error_saying_approval_needs_a_reason(ready):
    result = add(ready, "--image", "walk.jpg", "--people", "agreed")
    assert result.returncode == 0, result.stderr
    assert "error: image 1 has no alt text" in result.stdout and "--override-reason" in result.stdout


def test_posts_add_fills_a_template_and_goes_only_to_the_accounts_named(ready):
    result = ready.cli("posts", "add", "--template", "milestone", "--var", "name=Sam", "--var", "time=two years",
                       "--account", "outbox", "--when", "2099-05-01T10:15:00+01:00",
                       "--image", "flyer.png", "--alt", "A card saying two years", "--people", "none")
    assert result.returncode == 0, result.stderr
    [post] = json.loads(ready.cli("posts", "list", "--format", "json", check=True).stdout)
    assert post["text"].startswith("Today we're celebrating Sam: two years in recovery")
    assert post["accounts"] == ["outbox"] and post["due_at"] == "2099-05-01T09:15:00Z"
    assert post["source"] == "command line" and len(post["images"]) == 1


def bad_images(folder) -> dict:
    """Image files of every bad kind in `folder`, and one missing: name -> words the message must hold."""
    return bad_image_files(folder) | {"gone.jpg": "there is no such file; check the path"}


@pytest.mark.slow  # one run of the real command per case, about 2 s of CPU each
def test_each_bad_image_exits_2_with_one_line_naming_it_and_nothing_is_stored(ready):
    for name, words in bad_images(ready.root).items():
        # The good photo comes first, so each refusal also shows the first image went again.
        message = refused(add(ready, "--image", "walk.jpg", "--alt", WALK, "--people", "agreed",
                              "--image", name, "--alt", "A picture", "--people", "none"))
        assert message.startswith(f"Error: image 2 ({name}): ") and words in message, (name, message)
    assert media_files(ready) == []
    assert ready.cli("posts", "list", check=True).stdout.strip() == "No posts."


@pytest.mark.slow  # one run of the real command per case, about 2 s of CPU each
def test_image_answers_missing_or_in_the_wrong_place_exit_2_saying_what_to_type(ready):
    cases = [
        (["--alt", WALK, "--image", "walk.jpg", "--people", "none"],
         "--alt describes an image: put it after the --image PATH it belongs to"),
        (["--image", "walk.jpg", "--alt", WALK], "image 1 (walk.jpg): say whether anyone could be recognised in it: "
                                                 "add --people none"),
        (["--image", "walk.jpg", "--people", "none", "--people", "agreed"], "image 1 (walk.jpg) has --people twice"),
        (["--image", "flyer.png", "--alt", "Flyer", "--decorative", "--people", "none"],
         "image 1 (flyer.png): has both --alt and --decorative; keep one"),
        (["--image", "walk.jpg", "--people", "none"] * 5, "attach at most 4 images, not 5"),
        (["--var", "name=Sam"], "--var fills a template's fields; use it with --template NAME"),
    ]
    for args, words in cases:
        assert words in refused(add(ready, *args)), args
    assert "give --text TEXT, or --template NAME" in refused(ready.cli("posts", "add", "--image", "walk.jpg"))
    assert media_files(ready) == []


def test_alt_text_too_long_for_x_is_refused_before_scheduling_on_an_x_account(ready):
    ready.write_config(accounts=X_AND_OUTBOX.format(outbox=ready.outbox))
    message = refused(add(ready, "--image", "walk.jpg", "--alt", "A" * 1200, "--people", "agreed"))
    assert ("image 1 (walk.jpg): the alt text is 1,200 characters, but X (account 'x-main') takes at most 1,000"
            in message)
    assert media_files(ready) == []
    result = add(ready, "--account", "outbox", "--image", "walk.jpg", "--alt", "A" * 1200, "--people", "agreed")
    assert result.returncode == 0, result.stderr  # the outbox takes 2,000


def test_a_bad_template_field_after_the_images_were_stored_leaves_no_image(ready):
    result = ready.cli("posts", "add", "--template", "milestone", "--var", "name=Sam",
                       "--image", "walk.jpg", "--alt", WALK, "--people", "agreed")
    assert "needs the field 'time'" in refused(result)
    assert media_files(ready) == []


def test_queue_import_prints_the_findings_of_each_images_alt_text(ready):
    (ready.queue / "photos").mkdir()
    (ready.root / "walk.jpg").rename(ready.queue / "photos" / "walk.jpg")
    ready.queue_file("walk.toml", 'text = "Sunday walk."\n[[images]]\npath = "photos/walk.jpg"\n'
                                  'alt = "Two junkies on a bench"\npeople = "agreed"\n')
    result = ready.cli("queue", "import", check=True)
    assert "imported walk.toml as post 1 (waiting for approval)" in result.stdout
    assert "error: \"junkies\" in image 1's alt text" in result.stdout


def test_posts_add_help_shows_how_each_image_gets_its_answers(ready):
    help_text = ready.cli("posts", "add", "--help", check=True).stdout
    assert "Each --image PATH is followed by its own answers" in help_text
    assert "--image walk.jpg --alt" in help_text and "--people [none|agreed]" in help_text
