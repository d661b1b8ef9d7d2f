"""Queue files with [[images]]: read from beside the file, stored without metadata, all or nothing per file."""

import sqlite3
import textwrap

import pytest
from sqlalchemy import func, select

from recovery_voice.db import DatabaseError, make_engine, session_factory
from recovery_voice.intake import import_queue
from recovery_voice.models import Attachment, Delivery, Post
from recovery_voice.posts import list_posts

from conftest import sqlite_only
from imagekit import SECRET_WORDS, bad_image_files, encoded, phone_photo, screenshot

WALK = "Five people on a hill path in the sun, two of them laughing."
FLYER = "Flyer: Recovery Café, Tuesdays at 7pm, peer support, all welcome."
X_AND_OUTBOX = ('[[accounts]]\nname = "x-main"\nplatform = "x"\nconsumer_key_env = "A"\nconsumer_secret_env = "B"\n'
                'access_token_env = "C"\naccess_token_secret_env = "D"\n'
                '[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{outbox}"\n')


def image_table(path: str, alt: str = WALK, people: str | None = "agreed", **more) -> str:
    """One [[images]] table as a person writes it."""
    lines = ["[[images]]", f"path = {path!r}", f"alt = {alt!r}"]
    lines += [f"people = {people!r}"] if people is not None else []
    lines += [f"{key} = {value}" for key, value in more.items()]
    return "\n".join(lines) + "\n"


def queue_post(project, name: str, *tables: str, text: str = "Sunday walk, all welcome.", head: str = "") -> None:
    """Write a queue file with this text and these [[images]] tables."""
    project.queue_file(name, f"text = {text!r}\n{textwrap.dedent(head)}" + "".join(tables))


@pytest.fixture
def photos(project):
    """A photos/ folder in the queue with a phone photo (GPS and all) and a PNG flyer."""
    folder = project.queue / "photos"
    folder.mkdir()
    (folder / "walk.jpg").write_bytes(phone_photo())
    (folder / "flyer.png").write_bytes(encoded(screenshot(800, 450), "PNG"))
    return folder


def media_files(project) -> list[str]:
    """The stored images (not the fitted cache folder)."""
    folder = project.config.media_dir
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def count(sessions, column) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(column)))


def note(project, name: str) -> str:
    return (project.queue / "rejected" / f"{name}.error.txt").read_text(encoding="utf-8")


def test_a_queue_file_with_two_images_makes_one_post_carrying_both_without_their_metadata(project, sessions, photos):
    queue_post(project, "walk.toml", image_table("photos/walk.jpg"),
               image_table("photos/flyer.png", FLYER, "none", part=2))
    original = (photos / "walk.jpg").read_bytes()
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["walk.toml"] and not result.rejected
    [post] = list_posts(sessions())
    assert [(i["alt"], i["people"], i["part"], i["width"], i["height"]) for i in post["images"]] == [
        (WALK, "agreed", 1, 640, 480), (FLYER, "none", 2, 800, 450)]
    stored = media_files(project)
    assert sorted(name.split(".")[0] for name in stored) == sorted(i["digest"] for i in post["images"])
    for name in stored:
        data = (project.config.media_dir / name).read_bytes()
        assert not any(secret in data for secret in SECRET_WORDS), name
    # The person's own files stay where they were, untouched: other queue files may use them too.
    assert (photos / "walk.jpg").read_bytes() == original


def test_the_same_file_with_images_imported_twice_makes_one_post_and_stores_nothing_more(project, sessions, photos):
    queue_post(project, "walk.toml", image_table("photos/walk.jpg"))
    body = (project.queue / "walk.toml").read_text()
    import_queue(sessions, project.config)
    stored = media_files(project)
    project.queue_file("walk.toml", body)
    result = import_queue(sessions, project.config)
    assert result.already and not result.imported
    assert count(sessions, Post.id) == 1 and count(sessions, Attachment.id) == 1
    assert media_files(project) == stored


def test_a_file_already_imported_whose_image_has_gone_is_moved_to_imported_not_rejected(project, sessions, photos):
    queue_post(project, "walk.toml", image_table("photos/walk.jpg"))
    body = (project.queue / "walk.toml").read_text()
    import_queue(sessions, project.config)
    project.queue_file("walk.toml", body)  # as if the import stopped after making the post, before the move
    (photos / "walk.jpg").unlink()  # and the person has tidied their photo away since
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.already] == ["walk.toml"] and not result.rejected
    assert count(sessions, Post.id) == 1


def bad_files(photos) -> dict:
    """Image files of every bad kind, a folder and a missing file in the photos folder: name -> words of the note."""
    (photos / "album").mkdir()
    return bad_image_files(photos) | {"album": "is a folder, not a file", "gone.jpg": "there is no such file"}


def test_each_kind_of_bad_image_is_rejected_with_its_note_and_nothing_is_stored(project, sessions, photos):
    cases = bad_files(photos)
    for name in cases:
        queue_post(project, f"{name}.toml", image_table("photos/walk.jpg"), image_table(f"photos/{name}"))
    result = import_queue(sessions, project.config)
    assert len(result.rejected) == len(cases) and not result.imported
    for name, words in cases.items():
        text = note(project, f"{name}.toml")
        assert f"image 2 (photos/{name}): " in text and words in text, (name, text)
    assert media_files(project) == [], "the good first image of each file went again"
    assert count(sessions, Post.id) == 0


def test_a_table_with_an_unknown_key_no_path_or_too_many_images_is_refused_before_any_file_is_read(
        project, sessions, photos):
    queue_post(project, "key.toml", image_table("photos/walk.jpg", caption='"Sunday"'))
    queue_post(project, "nopath.toml", '[[images]]\nalt = "A walk"\npeople = "none"\n')
    queue_post(project, "five.toml", *[image_table("photos/walk.jpg")] * 5)
    queue_post(project, "string.toml", head='images = "photos/walk.jpg"\n')
    queue_post(project, "part.toml", image_table("photos/walk.jpg", part='"2"'))
    queue_post(project, "decorated.toml", image_table("photos/walk.jpg", decorative="true"))
    import_queue(sessions, project.config)
    assert "image 1: unknown key 'caption'; an [[images]] table may have: path, alt" in note(project, "key.toml")
    assert 'image 1 has no path; add path = "photo.jpg"' in note(project, "nopath.toml")
    assert "at most 4, so remove 1" in note(project, "five.toml")
    assert "images must be [[images]] tables" in note(project, "string.toml")
    assert "image 1 (photos/walk.jpg): part must be a whole number" in note(project, "part.toml")
    assert "image 1 (photos/walk.jpg) is marked decorative but has alt text" in note(project, "decorated.toml")
    assert media_files(project) == [] and count(sessions, Post.id) == 0


def test_a_path_leading_outside_the_queue_folder_is_refused_even_through_a_link(project, sessions, photos, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(phone_photo())
    (photos / "link.jpg").symlink_to(outside)
    (photos / "inner.jpg").symlink_to(photos / "walk.jpg")  # a link that stays inside is fine
    queue_post(project, "up.toml", image_table("../outside.jpg"))
    queue_post(project, "link.toml", image_table("photos/link.jpg"))
    queue_post(project, "absolute.toml", image_table(str(outside)))
    queue_post(project, "inner.toml", image_table("photos/inner.jpg"))
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["inner.toml"]
    assert "image 1 (../outside.jpg): leads outside the queue folder" in note(project, "up.toml")
    assert "image 1 (photos/link.jpg): leads outside the queue folder" in note(project, "link.toml")
    assert "the path must be relative to the queue file's folder" in note(project, "absolute.toml")
    assert len(media_files(project)) == 1


def test_a_decorative_image_needs_no_alt_text_and_the_choice_is_recorded(project, sessions, photos):
    queue_post(project, "flyer.toml", image_table("photos/flyer.png", "", "none", decorative="true"))
    import_queue(sessions, project.config)
    [post] = list_posts(sessions())
    assert post["images"][0]["decorative"] is True and post["images"][0]["alt"] == ""
    assert post["worst_finding"] is None, "a decorative image is not missing its alt text"


def test_an_image_without_alt_text_is_queued_but_counts_as_an_error_for_approval(project, sessions, photos):
    queue_post(project, "walk.toml", image_table("photos/walk.jpg", ""))
    import_queue(sessions, project.config)
    [post] = list_posts(sessions())
    assert post["worst_finding"] == "error" and post["images"][0]["alt"] == ""


def test_an_image_without_an_answer_about_the_people_in_it_is_refused(project, sessions, photos):
    queue_post(project, "silent.toml", image_table("photos/walk.jpg", people=None))
    queue_post(project, "yes.toml", image_table("photos/walk.jpg", people="yes"))
    import_queue(sessions, project.config)
    for name in ("silent.toml", "yes.toml"):
        assert ('image 1 (photos/walk.jpg): say whether anyone could be recognised in it: add people = "none"'
                in note(project, name))
    assert media_files(project) == [] and count(sessions, Post.id) == 0


def test_alt_text_too_long_for_x_is_refused_before_scheduling_and_its_image_goes_again(project, photos):
    project.write_config(accounts=X_AND_OUTBOX.format(outbox=project.outbox))
    sessions = project.init_db()
    queue_post(project, "long.toml", image_table("photos/walk.jpg", "A" * 1200))
    queue_post(project, "outbox.toml", image_table("photos/flyer.png", "A" * 1200, "none"),
               head='accounts = ["outbox"]\n')  # the outbox takes 2,000
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["outbox.toml"]
    assert ("image 1 (photos/walk.jpg): the alt text is 1,200 characters, but X (account 'x-main') takes at most "
            "1,000" in note(project, "long.toml"))
    assert count(sessions, Delivery.id) == 1
    [kept] = media_files(project)
    assert kept.endswith(".png"), "only the imported file's image stays"


def test_a_bad_template_after_the_images_were_stored_leaves_only_images_other_posts_use(project, sessions, photos):
    queue_post(project, "first.toml", image_table("photos/walk.jpg"))
    import_queue(sessions, project.config)
    [used] = media_files(project)
    project.queue_file("bad.toml", 'template = "milestone"\n[vars]\nname = "Sam"\n'
                       + image_table("photos/walk.jpg") + image_table("photos/flyer.png", FLYER, "none"))
    result = import_queue(sessions, project.config)
    assert "needs the field 'time'" in result.rejected[0][1]
    assert media_files(project) == [used], "the flyer went again; the walk photo stays for post 1"
    assert count(sessions, Attachment.id) == 1


@sqlite_only
def test_a_database_that_cannot_be_written_leaves_the_file_queued_and_no_image_stored(project, photos):
    text = project.config_path.read_text().replace("[database]\n", "[database]\nbusy_timeout_seconds = 0.2\n")
    project.config_path.write_text(text)
    project._config = None
    project.init_db()
    engine = make_engine(project.config.database_url, project.config.busy_timeout)
    project.engines.append(engine)
    queue_post(project, "walk.toml", image_table("photos/walk.jpg"))
    holder = sqlite3.connect(project.database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock past our busy timeout
    try:
        with pytest.raises(DatabaseError, match="cannot write to the database .*walk.toml and the files after it stay"):
            import_queue(session_factory(engine), project.config)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (project.queue / "walk.toml").exists() and not (project.queue / "rejected").exists()
    assert media_files(project) == []
    result = import_queue(session_factory(engine), project.config)  # and once the lock is gone, it goes in
    assert result.imported and len(media_files(project)) == 1



def test_a_loop_of_links_or_a_path_with_a_control_character_is_refused_with_a_note(project, sessions, photos):
    (photos / "a.jpg").symlink_to(photos / "b.jpg")
    (photos / "b.jpg").symlink_to(photos / "a.jpg")
    queue_post(project, "loop.toml", image_table("photos/a.jpg"))
    queue_post(project, "nul.toml", '[[images]]\npath = "photos/walk\\u0000.jpg"\npeople = "none"\n')
    import_queue(sessions, project.config)
    assert "image 1 (photos/a.jpg): is a loop of links that never reaches a file" in note(project, "loop.toml")
    assert "image 1: the path 'photos/walk\\x00.jpg' holds a control character" in note(project, "nul.toml")
