"""Queue import: all or nothing per file, moved aside, never imported twice."""

import shutil

from sqlalchemy import func, select

from recovery_voice.intake import import_queue
from recovery_voice.models import Delivery, Post

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
        shutil.copy(example, project.queue)
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
