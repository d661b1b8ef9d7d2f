"""The language check's limits: length before work, offsets instead of copies, a cap on findings, odd JSON refused."""

import json
import re
import tracemalloc

import pytest

from conftest import Project
from recovery_voice.language import MAX_INPUT, check
from web_fixtures import csrf_from, make_app, make_people, sign_in

# Every few characters a finding: the worst case for anything that grows with the number of findings.
DENSE = "Addicts and junkies relapse. "


def dense(length: int) -> str:
    """Return a text of `length` characters with a finding every few words."""
    return (DENSE * (length // len(DENSE) + 1))[:length]


def peak_while(action):
    """Run `action` and return (its result, the most memory Python held meanwhile, in bytes)."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One SQLite project and app for the module: the limits do not depend on the database."""
    project = Project(tmp_path_factory.mktemp("limits"))
    sessions = project.init_db()
    make_people(sessions)
    yield project, make_app(project, sessions)
    for engine in project.engines:
        engine.dispose()


@pytest.fixture
def people(site):
    return lambda who: sign_in(site[1].test_client(), who)


def post_check(client, body, content_type="application/json"):
    """POST a raw body to /check with the CSRF token from the compose page."""
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/check", data=data, content_type=content_type, headers={"X-CSRFToken": token})


def test_a_20_kB_check_answers_at_most_200_findings_in_well_under_a_megabyte(people):
    client = people("volunteer")
    text = dense(20000)
    assert len(check(text).findings) > 2000  # the text really is dense
    answer, peak = peak_while(lambda: post_check(client, {"text": text}))
    body = answer.get_json()
    assert answer.status_code == 200
    assert len(body["findings"]) == 200 and body["findings_left_out"] == len(check(text).findings) - 200
    assert len(answer.get_data()) < 200_000  # it was 173 MB: a whole copy of the text per suggestion
    assert peak < 40_000_000
    first = body["findings"][0]
    assert {"rule", "severity", "start", "end", "text", "message", "suggestions", "source"} <= set(first)
    fix = first["fixes"][0]  # offsets and words, never a whole text
    assert fix == {"suggestion": first["suggestions"][0], "start": first["start"], "end": first["end"],
                   "replaces": first["text"]}


def test_a_check_of_a_short_text_says_nothing_was_left_out(people):
    body = post_check(people("volunteer"), {"text": "Addicts deserve support"}).get_json()
    assert body["findings_left_out"] == 0 and body["findings"][0]["text"] == "Addicts"


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # deeply nested: json's parser runs out of stack
    '{"text": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "[1, 2]", '"addicts"', "null", "42", "not JSON at all", b"\xff\xfe{not utf-8",
    {"text": 42}, {"words": "addicts"}, {"text": "x" * 20_001},
])
def test_check_answers_400_with_what_to_send_for_odd_json(people, body):
    answer = post_check(people("volunteer"), body)
    assert answer.status_code == 400
    assert "send a JSON object" in answer.get_json()["error"] and "20,000 characters" in answer.get_json()["error"]


def test_check_refuses_a_body_too_big_for_any_text_before_parsing_it(people):
    client = people("volunteer")
    huge = json.dumps({"text": "x", "padding": ["y" * 100] * 2400})  # about 250 kB, a valid object
    answer, peak = peak_while(lambda: post_check(client, huge))
    assert answer.status_code == 400 and "20,000 characters" in answer.get_json()["error"]
    assert peak < 2 * len(huge) + 5_000_000  # never parsed into a list of 2400 strings and more


def story_form(client, text, action="check", **extra):
    """POST the new-story form with a title and `text`."""
    token = csrf_from(client.get("/stories/new").get_data(as_text=True))
    data = {"title": "My story", "text": text, "action": action, "csrf_token": token, **extra}
    return client.post("/stories/new", data=data)


@pytest.mark.parametrize("action", ["check", "save"])
def test_the_story_form_refuses_an_over_long_story_naming_the_limit_before_checking_it(people, action):
    client = people("storyteller")
    answer, peak = peak_while(lambda: story_form(client, dense(12_000), action))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "the most it can hold is 10,000" in html and "Not checked yet" in html
    assert 'class="finding' not in html
    assert peak < 15_000_000  # checking it would have made a copy of the text per suggestion


def test_a_250_kB_story_is_refused_at_once_without_the_check_running(people):
    client = people("storyteller")
    answer, peak = peak_while(lambda: story_form(client, dense(250_000)))
    assert answer.status_code == 200 and "This is 250,000 characters" in answer.get_data(as_text=True)
    assert peak < 10 * 250_000 + 5_000_000  # the form's own copies, nothing per finding


def test_the_story_forms_suggestion_button_puts_the_words_in_at_the_findings_offsets(people):
    client = people("storyteller")
    answer = story_form(client, "🎉 The addicts I met there helped me.", action="", apply="0:0")
    textarea = re.search(r"<textarea[^>]*>\s*([^<]*)</textarea>", answer.get_data(as_text=True)).group(1)
    assert textarea == "🎉 The people with an addiction I met there helped me."


def compose_form(client, path, **data):
    """POST the compose form at `path` with the outbox account chosen."""
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"accounts": "outbox", "when": "next-slot", "csrf_token": token, **data})


@pytest.mark.parametrize("action", ["check", "queue"])
def test_the_compose_form_refuses_over_long_free_text_naming_the_limit_before_checking_it(people, action):
    client = people("volunteer")
    answer, peak = peak_while(lambda: compose_form(client, "/compose?free=1", text=dense(25_000), action=action))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "the most it can hold is 20,000" in html and "Not checked yet" in html
    assert 'class="finding' not in html and "Your post is queued" not in html
    assert peak < 15_000_000


def test_the_compose_form_refuses_an_over_long_template_field_naming_its_limit(people):
    client = people("volunteer")
    path = "/compose?template=" + first_template_with_a_field(client)
    answer, peak = peak_while(lambda: compose_form(client, path, action="check", **{field_name(client, path): dense(3000)}))
    html = answer.get_data(as_text=True)
    assert "the most it can hold is 2,000" in html and "Not checked yet" in html
    assert peak < 15_000_000


def first_template_with_a_field(client) -> str:
    """Return the name of a starter template, as the compose page links to it."""
    return re.search(r'compose\?template=([a-z_]+)', client.get("/compose").get_data(as_text=True)).group(1)


def field_name(client, path) -> str:
    """Return the name of the first template field on a compose page."""
    return re.search(r'name="(v_[a-z_]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_the_compose_page_says_how_many_findings_it_left_out(people):
    client = people("volunteer")
    text = dense(19_000)
    html = compose_form(client, "/compose?free=1", text=text, action="check").get_data(as_text=True)
    left_out = len(check(text).findings) - 200
    assert html.count('<li class="finding') == 200
    assert f"The check found {left_out} more, not shown here" in html


def test_the_compose_forms_suggestion_button_replaces_only_the_flagged_words(people):
    client = people("volunteer")
    answer = compose_form(client, "/compose?free=1", text="Welcome! Addicts deserve support.", apply="text:0:0")
    textarea = re.search(r"<textarea[^>]*>\s*([^<]*)</textarea>", answer.get_data(as_text=True)).group(1)
    assert textarea == "Welcome! People with an addiction deserve support."


def test_the_cli_check_refuses_input_over_its_limit_with_exit_2(site, tmp_path):
    project = site[0]
    big = tmp_path / "big.txt"
    big.write_text("x" * (MAX_INPUT + 1))
    for args, given in ((("--file", str(big)), None), (("-",), "x" * (MAX_INPUT + 1))):
        result = project.cli("check", *args, input=given)
        assert result.returncode == 2 and "over 1,000,000 characters" in result.stderr


def test_check_itself_refuses_a_text_over_its_limit():
    with pytest.raises(ValueError, match="up to 1,000,000"):
        check("x" * (MAX_INPUT + 1))
