"""Password reset in a real Chromium, through the email a real SMTP server received, with axe on every page.

With RV_SCREENSHOTS=/some/folder the pages are saved at both widths, for a person to look at."""

import os
import re
from pathlib import Path

import pytest

from browser import Visitor, says
from recovery_voice import email_outbox
from recovery_voice.db import engine_of
from recovery_voice.models import utcnow
from conftest import sqlite_only
from smtpserver import SMTPServer
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app, make_people

pytestmark = sqlite_only
SHOTS = Path(os.environ["RV_SCREENSHOTS"]) if os.environ.get("RV_SCREENSHOTS") else None
LINK = re.compile(r"http://rv\.test(/reset/\S+)")
NEW_PASSWORD = "seven green kettles singing"


@pytest.fixture
def site(project):
    """The app on a live loopback server, sending email through a loopback SMTP server."""
    smtp = SMTPServer().start()
    project.write_config(smtp.config(timeout_seconds=2))
    sessions = project.init_db()
    make_people(sessions)
    server = LiveServer(make_app(project, sessions))
    yield server, smtp, sessions, project.config
    server.close()
    smtp.stop()


def look(visitor: Visitor, name: str, width: int):
    """Check the page with axe and, when asked, save a screenshot of it."""
    page = visitor.audit()
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"email-{name}-{width}.png"), full_page=True)
    return page


@pytest.mark.parametrize("width", [360, 1280])
def test_a_person_resets_a_forgotten_password_through_the_email_they_received(chromium, site, width):
    server, smtp, sessions, config = site
    visitor = Visitor(chromium, server.url, width=width)
    page = visitor.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    look(visitor, "forgot", width)
    page.get_by_role("button", name="Email me a link").click()
    look(visitor, "forgot-empty", width)
    assert page.locator("#problems").is_visible()
    assert "Enter the email address you sign in with" in page.locator("#email-error").inner_text()
    page.get_by_label("Email address").fill(PEOPLE["volunteer"])
    page.get_by_role("button", name="Email me a link").click()
    look(visitor, "forgot-sent", width)
    assert page.get_by_role("heading", name="Check your email").is_visible()

    email_outbox.send_due(engine_of(sessions), config, "browser-test", utcnow)
    [got] = smtp.wait_for(1)
    page = visitor.goto(LINK.search(got.text).group(1))
    look(visitor, "reset", width)
    page.get_by_label("New password (at least 10 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("not the same one at all")
    page.get_by_role("button", name="Set my new password").click()
    look(visitor, "reset-mismatch", width)
    assert "The two new passwords are not the same" in page.locator("#problems").inner_text()
    page.get_by_label("New password (at least 10 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    visitor.audit()
    says(page, "Your password is changed")

    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    says(page, "do not match")  # the old password no longer works
    page = visitor.sign_in(PEOPLE["volunteer"], NEW_PASSWORD)
    page.get_by_role("link", name="Email settings").click()
    look(visitor, "settings", width)
    page.get_by_label("One summary email a day").check()
    page.get_by_label("Quiet from").fill("21:30")
    page.get_by_role("button", name="Save email settings").click()
    look(visitor, "settings-problem", width)
    assert "need both a start and an end" in page.locator("#quiet_end-error").inner_text()
    page.get_by_label("Quiet until").fill("07:00")
    page.get_by_role("button", name="Save email settings").click()
    look(visitor, "settings-saved", width)
    says(page, "Your email settings are saved")
    assert page.get_by_label("One summary email a day").is_checked()
    visitor.close()
