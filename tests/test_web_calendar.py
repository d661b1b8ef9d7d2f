"""The calendar: each post on its local day, cancelled ones left out, busy days summarised."""

from datetime import datetime, timedelta, timezone

from recovery_voice.db import transaction
from recovery_voice.posts import Draft, cancel, create_post
from web_fixtures import make_app, make_people, sign_in


def test_the_month_shows_each_post_on_its_local_day_and_summarises_busy_days(project, sessions):
    make_people(sessions)
    # 23:30 UTC on 14 July is 00:30 on 15 July in London (summer time).
    late = datetime(2099, 7, 14, 23, 30, tzinfo=timezone.utc)
    now = datetime(2099, 7, 1, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Late-night café", when=late.isoformat()), now=now)
        gone = create_post(session, project.config, Draft(text="Cancelled walk", when=late.isoformat()), now=now)
        for n in range(15):
            busy = datetime(2099, 7, 20, 9, n, tzinfo=timezone.utc)
            create_post(session, project.config, Draft(text=f"Busy day post {n}", when=busy.isoformat()), now=now)
    with transaction(sessions) as session:
        cancel(session, [gone.id])
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = client.get("/calendar?view=month&start=2099-07-01").get_data(as_text=True)
    day_15 = html.index("Wed 15 Jul")
    assert day_15 < html.index("00:30 outbox: Late-night café") < html.index("Thu 16 Jul")
    assert "Cancelled walk" not in html
    assert "Busy day post 11" in html and "Busy day post 12" not in html and "and 3 more" in html


def test_calendar_dates_at_the_ends_of_time_show_the_nearest_page(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    for start in ("0001-01-01", "0001-01-03", "9999-12-31", "9999-12-27", "0000-01-01", "10000-01-01"):
        for view in ("week", "month"):
            answer = client.get(f"/calendar?view={view}&start={start}")
            assert answer.status_code == 200, (view, start)
    html = client.get("/calendar?view=month&start=9999-12-31").get_data(as_text=True)
    assert "December 2999" in html
