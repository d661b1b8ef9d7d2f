"""The command line, run as a person runs it: init, queue import, posts, check, worker, log."""

import csv
import io
import json

import pytest

from conftest import sqlite_only


@pytest.fixture
def ready(project):
    project.cli("init", check=True)
    return project


def test_init_creates_the_database_and_an_admin_without_echoing_the_password(project):
    result = project.cli("init", "--admin", "Admin@Example.org",
                         env={"RECOVERY_VOICE_ADMIN_PASSWORD": "a long enough password"}, check=True)
    assert "Admin admin@example.org can sign in." in result.stdout
    assert "a long enough password" not in result.stdout + result.stderr


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_init_refuses_a_short_admin_password(project):
    result = project.cli("init", "--admin", "a@example.org", env={"RECOVERY_VOICE_ADMIN_PASSWORD": "short"})
    assert result.returncode == 1 and "at least 10 characters" in result.stderr


def test_commands_before_init_say_to_run_init(project):
    result = project.cli("posts", "list")
    assert result.returncode == 1 and "run `recovery-voice init`" in result.stderr


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_a_bad_config_is_reported_with_the_file_and_key(project):
    project.config_path.write_text('[organisation]\ntimezone = "Mars/Olympus"\n')
    result = project.cli("posts", "list")
    assert result.returncode == 1
    assert str(project.config_path) in result.stderr and "timezone 'Mars/Olympus'" in result.stderr


def test_the_whole_pipeline_from_queue_file_to_outbox_and_log(ready):
    ready.queue_file("cafe.toml", 'text = "Our café is open today: come as you are."\nwhen = "2020-01-01T00:00:00+00:00"\n')
    ready.queue_file("ok.toml", 'text = "Our café is open today: come as you are!"\n')
    result = ready.cli("queue", "import")
    assert result.returncode == 1 and "rejected cafe.toml" in result.stderr and "is in the past" in result.stderr
    assert "imported ok.toml as post 1" in result.stdout

    listed = json.loads(ready.cli("posts", "list", "--format", "json", check=True).stdout)
    assert [(p["id"], p["status"], p["accounts"]) for p in listed] == [(1, "pending", ["outbox"])]
    assert ready.cli("posts", "list", "--status", "published", check=True).stdout.strip() == "No posts."

    approved = ready.cli("posts", "approve", "1", check=True).stdout
    assert approved.startswith("approved post 1: goes out ")
    table = ready.cli("posts", "list", check=True).stdout
    assert "scheduled" in table and "outbox" in table
    ready.cli("worker", "--once", check=True)
    assert ready.outbox_lines() == [], "not due until its slot"
    log = json.loads(ready.cli("log", "--format", "json", check=True).stdout)
    assert [e["event"] for e in log] == ["queued", "approved"]
    assert log[1]["actor"] == "sam@example.org"


def test_approving_a_post_with_an_error_needs_an_override_reason(ready):
    ready.queue_file("a.toml", 'text = "Crackheads deserve respect too."\n')
    ready.cli("queue", "import", check=True)
    refused = ready.cli("posts", "approve", "1")
    assert refused.returncode == 1 and "--override-reason" in refused.stderr
    ready.cli("posts", "approve", "1", "--override-reason", "A member's own words, quoted with consent.", check=True)
    log = json.loads(ready.cli("log", "--format", "json").stdout)
    assert log[-1]["event"] == "approved_override"
    assert log[-1]["reason"] == "A member's own words, quoted with consent."


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_the_log_comes_as_a_table_csv_and_json(ready):
    ready.queue_file("a.toml", 'text = "=HYPERLINK(\\"x\\") Welcome, friends."\n')
    ready.cli("queue", "import", check=True)
    ready.cli("posts", "approve", "1", check=True)
    table = ready.cli("log", check=True).stdout.splitlines()
    assert table[0].split() == ["at", "event", "post_id", "account", "attempt", "url", "error", "approved_by", "reason"]
    assert "approved" in table[-1] and "sam@example.org" in table[-1]
    rows = list(csv.DictReader(io.StringIO(ready.cli("log", "--format", "csv", check=True).stdout)))
    assert [r["event"] for r in rows] == ["queued", "approved"]
    as_json = json.loads(ready.cli("log", "--format", "json", "--since", "1h", check=True).stdout)
    assert [e["event"] for e in as_json] == ["queued", "approved"]
    assert json.loads(ready.cli("log", "--format", "json", "--since", "2999-01-01").stdout) == []
    bad = ready.cli("log", "--since", "yesterday")
    assert bad.returncode == 2 and "like 2026-05-01" in bad.stderr


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_the_log_csv_defuses_spreadsheet_formulas(ready):
    ready.queue_file("a.toml", 'text = "Welcome."\n')
    ready.cli("queue", "import", check=True)
    ready.cli("posts", "reject", "1", "--reason", "=cmd|' /C calc'!A0 is not a reason", check=True)
    rows = list(csv.DictReader(io.StringIO(ready.cli("log", "--format", "csv").stdout)))
    assert rows[-1]["reason"].startswith("'=cmd")


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_cancel_reports_what_happened(ready):
    ready.queue_file("a.toml", 'text = "Welcome."\n')
    ready.cli("queue", "import", check=True)
    assert "cancelled post 1" in ready.cli("posts", "cancel", "1", check=True).stdout
    again = ready.cli("posts", "cancel", "1")
    assert again.returncode == 1 and "nothing left to cancel" in again.stderr


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_accounts_list_and_check_cover_the_outbox(ready):
    listed = ready.cli("accounts", "list", check=True).stdout
    assert "outbox" in listed and "ok" in listed
    assert "outbox: ok: writes to" in ready.cli("accounts", "check", check=True).stdout


@sqlite_only  # never opens the database
def test_check_prints_json_with_the_stable_fields_and_exits_1_on_a_warning(project):
    result = project.cli("check", "Addicts are welcome here.", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    finding = report["findings"][0]
    # The stable fields, extended only by adding "fix" (the one-click rewrite, or null where none fits).
    assert set(finding) == {"rule", "severity", "start", "end", "text", "message", "suggestions", "source", "fix"}
    assert "Addicts are welcome here."[finding["start"]:finding["end"]] == finding["text"] == "Addicts"


@sqlite_only  # never opens the database
def test_check_exits_0_when_nothing_reaches_fail_on(project):
    assert project.cli("check", "People in recovery are welcome here.").returncode == 0
    assert project.cli("check", "Addicts are welcome here.", "--fail-on", "error").returncode == 0


@sqlite_only  # never opens the database
def test_check_lines_gives_one_json_result_per_line(project):
    result = project.cli("check", "-", "--lines", "--format", "json", input="Hello friends\nJunkies welcome\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["ok"]) for r in lines] == [(1, True), (2, False)]
    assert result.returncode == 1


@sqlite_only  # never opens the database
def test_check_reads_a_file_and_refuses_bad_usage(project, tmp_path):
    path = tmp_path / "post.txt"
    path.write_text("Our members are welcome.", encoding="utf-8")
    assert project.cli("check", "--file", str(path)).returncode == 0
    assert project.cli("check").returncode == 2
    assert project.cli("check", "--file", str(tmp_path / "missing.txt")).returncode == 2
    assert project.cli("check", "x", "--fail-on", "fatal").returncode == 2


@sqlite_only  # never opens the database
def test_templates_list_shows_each_template_and_its_fields(project):
    listed = project.cli("templates", "list", check=True).stdout
    assert "milestone (hope)" in listed and "fields: name, time, link?" in listed


@sqlite_only  # never opens the database
def test_python_dash_m_is_the_same_command(project):
    assert "Usage" in project.cli("--help").stdout


@sqlite_only  # the command's words; the pipeline and approval tests run it on both
def test_init_says_how_to_create_the_first_admin_until_there_is_one(project):
    assert "run `recovery-voice init --admin YOUR-EMAIL`" in project.cli("init", check=True).stdout
    project.cli("init", "--admin", "a@example.org", env={"RECOVERY_VOICE_ADMIN_PASSWORD": "a long enough password"},
                check=True)
    assert "--admin" not in project.cli("init", check=True).stdout
