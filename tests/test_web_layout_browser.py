"""The layouts in a real Chromium at phone and desktop width, with axe on every page: the month grid, the week's
columns, the failing-account banner, whole words in table cells and tap targets a finger can hit.

With RV_SCREENSHOTS=/some/folder the main pages are saved at both widths, for a person to look at."""

from datetime import datetime, timedelta, timezone

import pytest

from browser import Visitor, shots
from recovery_voice.db import transaction
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve
from recovery_voice.worker import Worker
from conftest import sqlite_only
from web_fixtures import PASSWORD, PEOPLE, LiveServer, make_app, make_people

PHONE, DESKTOP = 360, 1280
T0 = datetime(2099, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday 2 March 2099: the 1st is a Sunday, six weeks
pytestmark = sqlite_only  # layouts, not the database

# Cells whose words do not fit: the text is wider than the cell (a word broken or spilling out).
SQUEEZED = """selector => Array.from(document.querySelectorAll(selector))
  .filter(cell => cell.offsetParent !== null && cell.scrollWidth > cell.clientWidth + 1)
  .filter(cell => !cell.querySelector(".visually-hidden") || cell.textContent.trim() !== cell.querySelector(".visually-hidden").textContent.trim())
  .map(cell => cell.textContent.trim().slice(0, 40))"""
# Header cells narrower than their words on one line: "Acc oun t".
BROKEN_HEADERS = """() => Array.from(document.querySelectorAll("main th")).filter(th => th.offsetParent !== null)
  .filter(th => !th.querySelector(".visually-hidden"))  // a header only for screen readers is 1 px wide on purpose
  .filter(th => { const r = document.createRange(); r.selectNodeContents(th);
                  const lines = new Set(Array.from(r.getClientRects()).map(rect => Math.round(rect.bottom)));
                  return lines.size > 1 && !th.textContent.trim().includes(" "); })
  .map(th => th.textContent.trim())"""
# Buttons and links that stand alone (not words inside a sentence) smaller than a fingertip.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    "header nav a, header button, main button, .pager a, .month-grid a, .week-grid a, td a"))
  .filter(el => el.offsetParent !== null).filter(el => el.getBoundingClientRect().height < 44)
  .map(el => el.textContent.trim().slice(0, 30))"""


@pytest.fixture
def site(project, sessions):
    """A month of posts on an account whose posts fail, served as `serve` does."""
    make_people(sessions)
    (project.root / "not-a-folder").write_text("a file")  # the outbox's folder cannot be made: every write fails
    project.write_config(accounts=f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\n'
                                  f'path = "{project.root}/not-a-folder/outbox.jsonl"\n')
    with transaction(sessions) as session:
        texts = ["Coffee morning at the hall: everyone welcome, no need to book.", "Walk and talk in the park.",
                 "Recovery café opens late on Friday.", "Thank you to our volunteers!"]
        due = [T0 + timedelta(minutes=1)] + [T0 + timedelta(days=day, hours=hour) for day in (3, 10, 17, 24)
                                             for hour in (0, 2, 5)]
        posts = [create_post(session, project.config, Draft(text=texts[n % 4], when=at.isoformat()), now=T0)
                 for n, at in enumerate(due)]
        approve(session, project.config, [p.id for p in posts], "ada@example.org", now=T0)
    Worker(project.config, sessions, clock=lambda: T0 + timedelta(minutes=2)).run_round()  # the first one fails
    server = LiveServer(make_app(project, sessions))
    yield server
    server.close()


def whole_words(page) -> None:
    """Fail if a header cell breaks inside its word or any cell's words spill out of it."""
    assert page.evaluate(BROKEN_HEADERS) == []
    assert page.evaluate(SQUEEZED, "main th, main td") == []


def test_the_month_is_a_grid_on_a_desktop_and_a_list_of_busy_days_on_a_phone(chromium, site):
    visitor = Visitor(chromium, site.url, width=DESKTOP)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    page = visitor.goto("/calendar?view=month&start=2099-03-01")
    grid = page.locator("table.month-grid")
    assert [row.locator("td").count() for row in grid.locator("tbody tr").all()] == [7] * 6
    columns = [box["x"] for box in (cell.bounding_box() for cell in grid.locator("tbody tr").first.locator("td").all())]
    assert columns == sorted(columns) and columns[-1] - columns[0] > 900  # the week spreads across the page
    thursday_5 = grid.locator("tbody tr").nth(1).locator("td").nth(3)
    assert " ".join(thursday_5.locator("h2").inner_text().split()) == "Thu 5 Mar"
    assert thursday_5.locator("li").count() == 3
    whole_words(page)
    shots(visitor, "calendar-month")
    page.set_viewport_size({"width": PHONE, "height": 800})
    shown = [cell.inner_text() for cell in page.locator("table.month-grid td").all() if cell.is_visible()]
    assert len(shown) == 5 and shown[0].startswith("Mon 2 Mar") and shown[1].startswith("Thu 5 Mar")
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    visitor.close()


def test_the_week_is_seven_columns_on_a_desktop_and_every_action_is_reachable_on_a_phone(chromium, site):
    visitor = Visitor(chromium, site.url, width=DESKTOP)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    page = visitor.goto("/calendar?view=week&start=2099-03-05")
    days = page.locator(".week-grid > .day").all()
    tops = {round(day.bounding_box()["y"]) for day in days}
    assert len(days) == 7 and len(tops) == 1  # side by side
    assert days[-1].bounding_box()["x"] + days[-1].bounding_box()["width"] > 1100  # across the page's width
    assert "Walk and talk" in days[3].inner_text() or "Coffee" in days[3].inner_text()
    shots(visitor, "calendar-week")
    page.set_viewport_size({"width": PHONE, "height": 800})
    assert len({round(day.bounding_box()["y"]) for day in days}) == 7  # one under another
    assert page.evaluate(SMALL_TARGETS) == []
    visitor.close()


def test_an_admin_sees_the_failing_account_on_every_page_and_the_accounts_page_says_why(chromium, site):
    visitor = Visitor(chromium, site.url, width=DESKTOP)
    page = visitor.sign_in(PEOPLE["admin"], PASSWORD)
    banner = page.locator(".account-warning")
    assert banner.is_visible() and "outbox" in banner.inner_text() and "failing" in banner.inner_text()
    top = banner.bounding_box()["y"]
    assert top < page.locator("main h1").bounding_box()["y"]  # above the page's own heading
    shots(visitor, "review")
    for path, name in (("/log", "log"), ("/queue", "queue"), ("/compose?free=1", "compose"), ("/users", "people"),
                       ("/publishing", "publishing"), ("/timetable", "timetable"), ("/posts/1", "post")):
        visitor.goto(path)
        assert page.locator(".account-warning").is_visible(), path
        whole_words(page)
        shots(visitor, name)
    page.set_viewport_size({"width": DESKTOP, "height": 800})
    page.locator(".account-warning").get_by_role("link", name="See what went wrong on the Accounts page").click()
    visitor.audit()
    row = page.locator("#account-outbox")
    assert "Posts are failing" in row.inner_text() and "could not write to the outbox file" in row.inner_text()
    assert page.get_by_role("link", name="Accounts", exact=True).get_attribute("aria-current") == "page"
    assert page.locator(".account-warning").count() == 0  # the page itself says it, row by row
    whole_words(page)
    shots(visitor, "accounts")
    page.set_viewport_size({"width": PHONE, "height": 800})
    assert page.evaluate(SMALL_TARGETS) == []
    visitor.close()


def test_a_storytellers_form_has_no_banner_and_fits_a_phone(chromium, site):
    visitor = Visitor(chromium, site.url, width=PHONE)
    page = visitor.sign_in(PEOPLE["storyteller"], PASSWORD)
    visitor.goto("/stories/new")
    assert page.locator(".account-warning").count() == 0
    assert "Signed in as" in page.locator("header").inner_text()
    shots(visitor, "story-form")
    page.set_viewport_size({"width": PHONE, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert page.evaluate(SMALL_TARGETS) == []
    visitor.close()
