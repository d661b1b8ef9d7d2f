"""Queue import: all or nothing per file, moved aside, never imported twice."""

import os
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from recovery_voice.intake import LOCK_FILE, import_queue
from recovery_voice.models import Delivery, Post
from recovery_voice.posts import PostProblem

from conftest import REPO

MILESTONE = """\
    template = "milestone"
    accounts = ["outbox"]
    [vars]
    name = "Sam"
    time = "two years"
    """


def count_posts(sessions):
    with sessions() as session:
        return session.scalar(select(func.count(Post.id)))


def test_the_example_queue_files_import_as_posts_waiting_for_approval(project, sessions):
    for example in (REPO / "queue" / "examples").glob("*.toml"):
        shutil.copy2(example, project.queue)  # keeps its time, as `cp -p` does, so it counts as settled
    result = import_queue(sessions, project.config)
    assert len(result.imported) == 2 and not result.rejected
    assert sorted(p.name for p in (project.queue / "imported").iterdir()) == ["example-cafe.toml", "example-milestone.toml"]
    assert not list(project.queue.glob("*.toml"))
    with sessions() as session:
        posts = session.scalars(select(Post)).all()
        assert {p.status for p in posts} == {"pending"}
        assert {p.theme for p in posts} == {"hope", "connectedness"}


def test_a_template_file_is_rendered_and_given_the_next_free_slot(project, sessions):
    project.queue_file("a.toml", MILESTONE)
    project.queue_file("b.toml", MILESTONE.replace("Sam", "Alex"))
    import_queue(sessions, project.config)
    with sessions() as session:
        posts = session.scalars(select(Post).order_by(Post.id)).all()
        assert posts[0].text.startswith("Today we're celebrating Sam: two years in recovery")
        due = [p.deliveries[0].due_at for p in posts]
    assert due[0] < due[1], "the second post takes the next slot, not the same one"
    local = [d.astimezone(project.config.timezone) for d in due]
    assert {(d.strftime("%a"), d.strftime("%H:%M")) for d in local} <= {("Mon", "09:30"), ("Thu", "18:00")}


def test_a_file_with_a_missing_field_is_rejected_whole_with_a_note_saying_what_to_fix(project, sessions):
    project.queue_file("bad.toml", MILESTONE.replace('time = "two years"\n', ""))
    result = import_queue(sessions, project.config)
    assert result.rejected and not result.imported
    assert (project.queue / "rejected" / "bad.toml").exists()
    note = (project.queue / "rejected" / "bad.toml.error.txt").read_text()
    assert "needs the field 'time'" in note and "move it back" in note
    assert count_posts(sessions) == 0
    with sessions() as session:
        assert session.scalar(select(func.count(Delivery.id))) == 0


def test_a_file_naming_an_unknown_account_leaves_nothing_behind(project, sessions):
    project.queue_file("bad.toml", 'text = "Our café is open today."\naccounts = ["outbox", "mastodon"]\n')
    result = import_queue(sessions, project.config)
    assert "no account called 'mastodon'" in result.rejected[0][1]
    assert count_posts(sessions) == 0


def test_each_kind_of_bad_file_is_rejected_with_its_own_reason(project, sessions):
    cases = {
        "toml.toml": ("text = 'unclosed\n", "not valid TOML"),
        "both.toml": ('text = "Hi"\ntemplate = "hope"\n', "either text"),
        "neither.toml": ('accounts = ["outbox"]\n', "either text"),
        "key.toml": ('text = "Hi"\nwhen_at = "now"\n', "unknown key 'when_at'"),
        "past.toml": ('text = "Hi"\nwhen = "2020-01-01T09:00:00+00:00"\n', "is in the past"),
        "naive.toml": ('text = "Hi"\nwhen = "2099-01-01T09:00:00"\n', "needs a UTC offset"),
        "theme.toml": ('text = "Hi"\ntheme = "joy"\n', "theme must be one of"),
        "template.toml": ('template = "nope"\n', "no template called 'nope'"),
    }
    for name, (body, _) in cases.items():
        project.queue_file(name, body)
    project.queue_file("latin1.toml", "")
    (project.queue / "latin1.toml").write_bytes('text = "caf\xe9"\n'.encode("latin-1"))
    os.utime(project.queue / "latin1.toml", (time.time() - 60,) * 2)
    result = import_queue(sessions, project.config)
    reasons = dict(result.rejected)
    for name, (_, expected) in cases.items():
        assert expected in reasons[name], (name, reasons[name])
    assert "not UTF-8" in reasons["latin1.toml"]
    assert count_posts(sessions) == 0


def test_importing_the_same_file_again_does_not_make_a_second_post(project, sessions):
    path = project.queue_file("a.toml", MILESTONE)
    body = path.read_text()
    import_queue(sessions, project.config)
    project.queue_file("a.toml", body)  # e.g. put back by hand, or left behind by a crash before the move
    result = import_queue(sessions, project.config)
    assert result.already and not result.imported
    assert count_posts(sessions) == 1
    assert sorted(p.name for p in (project.queue / "imported").iterdir()) == ["a-2.toml", "a.toml"]


def test_an_explicit_time_is_honoured(project, sessions):
    project.queue_file("a.toml", 'text = "See you at the café."\nwhen = 2099-05-01T10:15:00+01:00\n')
    import_queue(sessions, project.config)
    with sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert delivery.due_at.isoformat() == "2099-05-01T09:15:00+00:00"


def test_the_language_check_runs_on_import(project, sessions):
    project.queue_file("a.toml", 'text = "Junkies welcome at our drop-in."\n')
    import_queue(sessions, project.config)
    with sessions() as session:
        post = session.scalars(select(Post)).one()
    assert post.worst_finding == "error"
    assert post.findings[0]["text"] == "Junkies"


@contextmanager
def mounted(*commands):
    """Run mount commands (root only), undo them afterwards; skip the test where mounting is not allowed."""
    target = commands[0][-1]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["umount", target], capture_output=True)
            pytest.skip(f"this test needs to mount a file system (run as root): {' '.join(command)}: {done.stderr.strip()}")
    try:
        yield Path(target)
    finally:
        subprocess.run(["umount", target], check=True)


def read_only(folder: Path):
    """Make a folder read-only for everyone, root included, with a read-only bind mount."""
    return mounted(["mount", "--bind", str(folder), str(folder)], ["mount", "-o", "remount,bind,ro", str(folder)])


def test_links_to_nothing_hidden_files_folders_and_part_files_are_passed_over_and_the_rest_imported(project, sessions):
    (project.queue / ".#a.toml").symlink_to("sam@laptop.1234:1700000000")  # how Emacs marks a file it has open
    (project.queue / "gone.toml").symlink_to(project.root / "nothing-here.toml")
    (project.queue / "folder.toml").mkdir()
    project.queue_file("draft.toml.part", MILESTONE)  # the atomic-rename convention: still being copied in
    project.queue_file("a.toml", MILESTONE)
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["a.toml"] and not result.rejected
    reasons = dict(result.skipped)
    assert "hidden file" in reasons[".#a.toml"]
    assert "a link to a file that does not exist" in reasons["gone.toml"]
    assert "not a regular file" in reasons["folder.toml"]
    assert "draft.toml.part" not in reasons and (project.queue / "draft.toml.part").exists()
    assert import_queue(sessions, project.config).skipped == result.skipped, "a later run passes them over too"


def test_a_time_past_the_year_9999_is_rejected_with_its_reason_and_the_other_files_still_import(project, sessions):
    project.queue_file("a.toml", 'text = "See you there."\nwhen = 9999-12-31T23:59:59-01:00\n')
    project.queue_file("b.toml", 'text = "See you there."\nwhen = "9999-12-31T23:00:00-05:00"\n')
    project.queue_file("c.toml", MILESTONE)
    result = import_queue(sessions, project.config)
    reasons = dict(result.rejected)
    assert "too far ahead; pick a time before the year 3000" in reasons["a.toml"]
    assert "too far ahead" in reasons["b.toml"]
    assert [name for name, _ in result.imported] == ["c.toml"]


def test_a_queue_file_with_a_utf8_byte_order_mark_is_imported(project, sessions):
    path = project.queue_file("a.toml", "")
    path.write_bytes(b"\xef\xbb\xbf" + 'text = "Our café is open."\n'.encode("utf-8"))
    os.utime(path, (time.time() - 60,) * 2)
    assert [name for name, _ in import_queue(sessions, project.config).imported] == ["a.toml"]


def test_a_read_only_queue_folder_makes_no_post_and_says_what_to_fix(project, sessions):
    project.queue_file("a.toml", MILESTONE)
    with read_only(project.queue):
        with pytest.raises(PostProblem, match="cannot write in the queue folder .* make it writable"):
            import_queue(sessions, project.config)
        assert count_posts(sessions) == 0
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["a.toml"] and count_posts(sessions) == 1


def test_a_file_that_cannot_be_moved_after_its_post_is_made_stays_queued_and_is_never_posted_twice(project, sessions):
    project.queue_file("a.toml", MILESTONE)
    (project.queue / "imported").mkdir()
    with read_only(project.queue / "imported"):
        for _ in range(2):
            result = import_queue(sessions, project.config)
            assert "is post 1, but could not be moved to imported/" in dict(result.stuck)["a.toml"]
        assert count_posts(sessions) == 1 and (project.queue / "a.toml").exists()
    result = import_queue(sessions, project.config)
    assert result.already and not result.stuck and count_posts(sessions) == 1
    assert (project.queue / "imported" / "a.toml").exists()


def test_a_full_disk_leaves_a_bad_file_in_the_queue_with_its_reason_and_no_empty_note(project, sessions):
    with mounted(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(project.queue)]):
        project.queue_file("bad.toml", 'text = "Hi"\nwhen_at = "now"\n')
        (project.queue / "rejected").mkdir()
        (project.queue / LOCK_FILE).touch()
        filler = project.queue / "filler.bin"
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        with pytest.raises(OSError, match="No space left"):
            while True:
                os.write(descriptor, b"x" * 4096)
        os.close(descriptor)
        result = import_queue(sessions, project.config)
        assert "unknown key 'when_at'" in dict(result.stuck)["bad.toml"]
        assert "No space left on device" in dict(result.stuck)["bad.toml"]
        assert (project.queue / "bad.toml").exists() and list((project.queue / "rejected").iterdir()) == []
        filler.unlink()
        result = import_queue(sessions, project.config)
        assert "unknown key 'when_at'" in dict(result.rejected)["bad.toml"]
        assert "What to fix: unknown key 'when_at'" in (project.queue / "rejected" / "bad.toml.error.txt").read_text()


def test_two_imports_at_once_take_each_file_exactly_once(project, sessions):
    for number in range(20):
        project.queue_file(f"{number:02}.toml", f'text = "Our café is open, day {number}."\n')
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        start.wait()
        try:
            results.append(import_queue(sessions, project.config))
        except Exception as error:  # noqa: BLE001 - the race shows up as any exception in either import
            errors.append(error)

    imports = [threading.Thread(target=run) for _ in range(2)]
    for thread in imports:
        thread.start()
    for thread in imports:
        thread.join(timeout=120)
    assert not errors
    assert sorted(name for result in results for name, _ in result.imported) == [f"{n:02}.toml" for n in range(20)]
    assert count_posts(sessions) == 20 and len(list((project.queue / "imported").iterdir())) == 20


def test_a_file_still_being_written_is_left_for_the_next_import(project, sessions):
    project.write_config(extra="settle_seconds = 0.5\n")  # lands in [queue], the last table written
    assert project.config.queue_settle_seconds == 0.5
    path = project.queue / "a.toml"
    path.write_text('text = "Our café is open', encoding="utf-8")
    writer = threading.Timer(0.2, lambda: path.write_text('text = "Our café is open, all welcome."\n', encoding="utf-8"))
    writer.start()
    result = import_queue(sessions, project.config)
    writer.join()
    assert "still being written" in dict(result.skipped)["a.toml"] and not result.rejected
    result = import_queue(sessions, project.config)
    assert [name for name, _ in result.imported] == ["a.toml"]
    with sessions() as session:
        assert session.scalars(select(Post)).one().text == "Our café is open, all welcome."
