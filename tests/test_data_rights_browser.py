"""A storyteller downloads everything held about them and then erases their account, in a real Chromium with axe at
phone and desktop width (screenshots in RV_SCREENSHOTS when set)."""

import io
import json
import zipfile
from datetime import timedelta

import pytest

from browser import Visitor, shots, says
from recovery_voice.models import User
from recovery_voice.worker import Worker
from conftest import sqlite_only
from test_data_export import BENCH_ALT, FIRST, SECOND, shared_life
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app

pytestmark = sqlite_only  # the other tests have both


@pytest.fixture
def site(project, sessions, clock):
    """The app on loopback for a storyteller with two stories (one out, one withdrawn), a photo and a reader."""
    shared = shared_life(project, sessions, clock)
    server = LiveServer(make_app(project, sessions))
    yield server, shared
    server.close()


def test_a_storyteller_downloads_their_data_and_then_erases_their_account(chromium, site, project, sessions, clock):
    server, shared = site
    visitor = Visitor(chromium, server.url)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    page.get_by_role("link", name="Your data").click()
    shots(visitor, "data-page")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert download.value.suggested_filename.startswith("my-data-")
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert {"README.txt", "stories.json", "publishing.json", f"photos/{shared.digest}.jpg"} <= set(archive.namelist())
    stories = {s["id"]: s for s in json.loads(archive.read("stories.json"))}
    assert [v["text"] for v in stories[shared.kept]["versions"]] == [FIRST, SECOND]
    assert stories[shared.kept]["photos"][0]["alt_text"] == BENCH_ALT

    page.get_by_role("link", name="Erase my account…").click()
    shots(visitor, "erase-confirm")
    says(page, "Your 2 stories, every version of them, your photo")
    page.get_by_role("button", name="Yes, erase my account").click()
    says(page, "Type your password to confirm it is you")
    shots(visitor, "erase-no-password")
    page.get_by_label("Your password, to confirm it is you").fill(PASSWORD)
    page.get_by_role("button", name="Yes, erase my account").click()
    assert page.get_by_role("heading", name="Your account is erased").is_visible()
    shots(visitor, "erased")
    assert "Signed in as" not in page.content()
    visitor.goto("/stories")
    assert "/login" in page.url  # signed out, and the cookie no longer signs anyone in
    visitor.close()

    with sessions() as session:
        assert session.get(User, shared.people["storyteller"]).erased_at is not None
    clock.now += timedelta(minutes=1)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []  # the published story is taken down
