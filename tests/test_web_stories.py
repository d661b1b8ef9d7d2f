"""The storyteller's pages: consent is given by the storyteller, never filled in for them."""

import re

from web_fixtures import make_app, make_people, sign_in


def test_a_new_story_form_ticks_no_network_and_fills_no_end_date(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    html = client.get("/stories/new").get_data(as_text=True)
    boxes = re.findall(r"<input[^>]*name=\"networks\"[^>]*>", html)
    assert boxes and not any("checked" in box for box in boxes)
    [date] = re.findall(r"<input[^>]*name=\"consent_until\"[^>]*>", html)
    assert 'value=""' in date or "value=" not in date
