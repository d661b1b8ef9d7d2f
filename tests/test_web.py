"""The pages served by `serve`: text escaped, safe headers, and the app and worker in one process."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from recovery_voice.db import transaction
from recovery_voice.posts import Draft, create_post
from web_fixtures import make_app, make_people, sign_in


def test_the_queue_and_log_show_post_text_escaped_with_safe_headers(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="<script>alert(1)</script> Welcome, friends."))
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    for path in ("/queue", "/review", "/posts/1"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Welcome, friends." in html and "<script>alert" not in html
    assert "Waiting for approval" in client.get("/queue").get_data(as_text=True)
    assert "queued" in client.get("/log").get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_health_answers_when_the_database_does(project, sessions):
    assert make_app(project, sessions).test_client().get("/health").get_json()["database"]["reachable"] is True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_the_page_and_the_worker_in_one_process(project):
    # The worker notices posts approved by another process within a second, so the post can be made once serve
    # is up, however slowly it started on a busy machine: the test is about the worker waking on time.
    project.write_config(extra="[worker]\nrecheck_seconds = 1\n")
    project.cli("init", check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "recovery_voice", "serve", "--port", str(port), "--config", str(project.config_path)],
        cwd=project.root, env={**os.environ, "RECOVERY_VOICE_SECRET_KEY": "serve test secret"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        html = None
        for _ in range(600):
            try:
                html = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert html and "Sign in" in html
        due = _approved_post_due_in(project, timedelta(seconds=4))
        while not project.outbox_lines() and datetime.now(timezone.utc) < due + timedelta(seconds=10):
            time.sleep(0.1)
        [line] = project.outbox_lines()
        published = datetime.fromisoformat(line["published_at"].replace("Z", "+00:00"))
        assert due <= published < due + timedelta(seconds=2)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "recovery-voice is running at" in output


def _approved_post_due_in(project, delay: timedelta) -> datetime:
    """Make and approve a post in this process, due `delay` from now; return when it is due."""
    from recovery_voice.review import approve

    sessions = project.init_db()
    due = datetime.now(timezone.utc) + delay
    with transaction(sessions) as session:
        post = create_post(session, project.config, Draft(text="Our café is open: come as you are.",
                                                          when=due.isoformat()))
        approve(session, project.config, [post.id], "ada@example.org")
    return due


def test_the_accounts_page_says_when_an_account_waits_for_its_rate_limit(project, sessions):
    from recovery_voice import ratelimits
    from recovery_voice.accounts import sync_accounts

    make_people(sessions)
    with transaction(sessions) as session:
        account = sync_accounts(session, project.config)["outbox"]
        ratelimits.exhaust(session, account.id, ratelimits.POST, datetime.now(timezone.utc) + timedelta(minutes=10))
    page = sign_in(make_app(project, sessions).test_client(), "admin").get("/accounts").get_data(as_text=True)
    assert "Waiting</span>" in page and "Its allowance on outbox is used up until" in page
