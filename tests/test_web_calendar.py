"""The calendar: a month as a grid of weeks, the week as columns, each post on its local day, filtered by account."""

from datetime import datetime, timezone
from html.parser import HTMLParser

from sqlalchemy import event

from recovery_voice.db import engine_of, transaction
from recovery_voice.posts import Draft, cancel, create_post
from web_fixtures import make_app, make_people, sign_in

TWO_ACCOUNTS = """\
[[accounts]]
name = "outbox"
platform = "outbox"
path = "{root}/outbox.jsonl"
[[accounts]]
name = "second"
platform = "outbox"
path = "{root}/second.jsonl"
"""


class Cells(HTMLParser):
    """The text of each cell of the month grid (or each day of the week), row by row."""

    def __init__(self, container: str):
        super().__init__()
        self.container, self.inside, self.depth = container, False, 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.container in classes:
            self.inside = True
        if not self.inside:
            return
        if tag == "tr" or (tag == "ol" and self.container in classes):
            self.rows.append([])
        if (tag == "td" or (tag == "li" and "day" in classes)) and self.cell is None:
            self.cell, self.depth = [], 0
        elif tag == "li" and self.cell is not None:
            self.depth += 1

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if self.cell is not None and (tag == "td" or (tag == "li" and self.depth == 0)):
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "li" and self.cell is not None:
            self.depth -= 1
        if tag in ("table", "ol") and self.cell is None:
            self.inside = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def cells(html: str, container: str = "month-grid") -> list[list[str]]:
    """Parse the calendar page into rows of cell texts."""
    parser = Cells(container)
    parser.feed(html)
    return [row for row in parser.rows if row]


def _posts(session, config, texts_at, accounts=None):
    """Queue posts at these UTC times (as if on 1 July 2099)."""
    now = datetime(2099, 7, 1, tzinfo=timezone.utc)
    return [create_post(session, config, Draft(text=text, when=at.isoformat(), accounts=accounts), now=now)
            for text, at in texts_at]


def test_the_month_is_a_grid_of_weeks_with_each_post_in_its_local_days_cell(project, sessions):
    make_people(sessions)
    # 23:30 UTC on 14 July is 00:30 on 15 July in London (summer time).
    late = datetime(2099, 7, 14, 23, 30, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        _posts(session, project.config, [("Late-night café", late), ("Walk in the park", datetime(2099, 7, 1, 9, 0,
                                                                                                  tzinfo=timezone.utc))])
        [gone] = _posts(session, project.config, [("Cancelled walk", late)])
    with transaction(sessions) as session:
        cancel(session, [gone.id])
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = client.get("/calendar?view=month&start=2099-07-01").get_data(as_text=True)
    grid = cells(html)
    # July 2099 starts on a Wednesday and ends on a Friday: five weeks of seven days, Monday first.
    assert [len(week) for week in grid] == [7] * 5
    assert grid[0][:2] == ["", ""] and grid[0][2].startswith("Wed 1 Jul")
    assert "10:00 BST outbox: Walk in the park" in grid[0][2]
    wednesday_15 = grid[2][2]
    assert wednesday_15.startswith("Wed 15 Jul") and "00:30 BST outbox: Late-night café" in wednesday_15
    assert "Late-night café" not in grid[2][1]  # not on the UTC day, the 14th
    assert grid[4][4].startswith("Fri 31 Jul") and grid[4][5:] == ["", ""]  # August's days are left empty
    assert "Cancelled walk" not in html


def test_a_busy_day_in_the_month_shows_its_first_posts_and_links_to_its_week_for_the_rest(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        _posts(session, project.config, [(f"Busy day post {n}", datetime(2099, 7, 20, 9, n, tzinfo=timezone.utc))
                                         for n in range(15)])
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = client.get("/calendar?view=month&start=2099-07-01").get_data(as_text=True)
    monday_20 = cells(html)[3][0]
    assert "Busy day post 3" in monday_20 and "Busy day post 4" not in monday_20
    assert "and 11 more on Monday 20 July" in monday_20
    assert 'href="/calendar?view=week&amp;start=2099-07-20"' in html
    week = client.get("/calendar?view=week&start=2099-07-20").get_data(as_text=True)
    [days] = cells(week, "week-grid")
    assert len(days) == 7 and days[0].startswith("Mon 20 Jul")
    assert "Busy day post 11" in days[0] and "Busy day post 12" not in days[0] and "and 3 more" in days[0]
    assert days[1].startswith("Tue 21 Jul") and "Nothing planned" in days[1]


def test_the_calendar_shows_one_account_when_asked_and_its_links_keep_the_choice(project, sessions):
    make_people(sessions)
    project.write_config(accounts=TWO_ACCOUNTS.format(root=project.root))
    at = datetime(2099, 7, 8, 9, 0, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        _posts(session, project.config, [("Only on the outbox", at)], accounts=["outbox"])
        _posts(session, project.config, [("Only on the second", at)], accounts=["second"])
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    every = client.get("/calendar?view=month&start=2099-07-01").get_data(as_text=True)
    assert "Only on the outbox" in every and "Only on the second" in every
    one = client.get("/calendar?view=month&start=2099-07-01&account=second").get_data(as_text=True)
    assert "Only on the second" in one and "Only on the outbox" not in one
    assert '<option value="second" selected>' in one
    assert 'href="/calendar?view=month&amp;start=2099-08-01&amp;account=second"' in one
    unknown = client.get("/calendar?view=month&start=2099-07-01&account=nobody").get_data(as_text=True)
    assert "Only on the outbox" in unknown and "Only on the second" in unknown  # an unknown name shows them all


def test_the_month_reads_its_deliveries_in_one_query(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        _posts(session, project.config, [(f"Post {n}", datetime(2099, 7, 1 + n, 9, 0, tzinfo=timezone.utc))
                                         for n in range(20)])
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    statements = []
    engine = engine_of(sessions)
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get("/calendar?view=month&start=2099-07-01").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "Post 19" in html
    assert len([s for s in statements if "FROM deliveries" in s]) == 1, statements
    # The person, whether publishing is paused (every page's banner), accounts, deliveries, texts: not one per day or post.
    assert len(statements) <= 7, statements


def test_calendar_dates_at_the_ends_of_time_show_the_nearest_page(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    for start in ("0001-01-01", "0001-01-03", "9999-12-31", "9999-12-27", "0000-01-01", "10000-01-01"):
        for view in ("week", "month"):
            answer = client.get(f"/calendar?view={view}&start={start}")
            assert answer.status_code == 200, (view, start)
    html = client.get("/calendar?view=month&start=9999-12-31").get_data(as_text=True)
    assert "December 2999" in html
