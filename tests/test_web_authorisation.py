"""The authorisation matrix: every route, for every role and for a signed-out visitor, gets the expected answer."""

from datetime import date

import pytest

from recovery_voice.db import transaction
from recovery_voice.models import User
from recovery_voice.posts import Draft, create_post
from recovery_voice.stories import StoryDraft, submit
from recovery_voice.users import invite
from web_fixtures import make_app, make_people, sign_in

ROLES = ("anonymous", "storyteller", "volunteer", "admin")
OK, LOGIN, NO = "ok", "login", "forbidden"
STAFF = {"anonymous": LOGIN, "storyteller": NO, "volunteer": OK, "admin": OK}
ADMIN = {"anonymous": LOGIN, "storyteller": NO, "volunteer": NO, "admin": OK}
STORYTELLER = {"anonymous": LOGIN, "storyteller": OK, "volunteer": NO, "admin": NO}
SIGNED_IN = {"anonymous": LOGIN, "storyteller": OK, "volunteer": OK, "admin": OK}
EVERYONE = {role: OK for role in ROLES}

# (method, rule, path) -> expectation per role. Every rule of the app must be listed here.
MATRIX = {
    ("GET", "/login", "/login"): EVERYONE,
    ("POST", "/login", "/login"): EVERYONE,
    ("POST", "/logout", "/logout"): SIGNED_IN,
    ("GET", "/account/password", "/account/password"): SIGNED_IN,
    ("POST", "/account/password", "/account/password"): SIGNED_IN,
    ("GET", "/invite/<token>", "/invite/{token}"): EVERYONE,
    ("POST", "/invite/<token>", "/invite/{token}"): EVERYONE,
    ("GET", "/forgot", "/forgot"): EVERYONE,
    ("POST", "/forgot", "/forgot"): EVERYONE,
    ("GET", "/reset/<token>", "/reset/not-a-token"): EVERYONE,
    ("POST", "/reset/<token>", "/reset/not-a-token"): EVERYONE,
    ("GET", "/account/email", "/account/email"): SIGNED_IN,
    ("POST", "/account/email", "/account/email"): SIGNED_IN,
    ("GET", "/account/data", "/account/data"): SIGNED_IN,
    ("POST", "/account/data", "/account/data"): SIGNED_IN,
    ("GET", "/account/erase", "/account/erase"): SIGNED_IN,
    ("POST", "/account/erase", "/account/erase"): SIGNED_IN,  # with no password given nothing is erased
    ("GET", "/account/erased", "/account/erased"): EVERYONE,
    ("GET", "/", "/"): SIGNED_IN,
    ("GET", "/health", "/health"): EVERYONE,
    ("POST", "/check", "/check"): SIGNED_IN,
    ("GET", "/static/<path:filename>", "/static/app.css"): EVERYONE,
    ("GET", "/favicon.ico", "/favicon.ico"): EVERYONE,  # a redirect to the static icon
    ("GET", "/stories", "/stories"): STORYTELLER,
    ("GET", "/stories/new", "/stories/new"): STORYTELLER,
    ("POST", "/stories/new", "/stories/new"): STORYTELLER,
    ("GET", "/stories/<int:story_id>", "/stories/{story}"): STORYTELLER,
    ("GET", "/stories/<int:story_id>/edit", "/stories/{story}/edit"): STORYTELLER,
    ("POST", "/stories/<int:story_id>/edit", "/stories/{story}/edit"): STORYTELLER,
    ("POST", "/stories/<int:story_id>/withdraw", "/stories/{story}/withdraw"): STORYTELLER,
    ("GET", "/stories/<int:story_id>/withdraw", "/stories/{story}/withdraw"): STORYTELLER,
    ("GET", "/stories/<int:story_id>/final-text", "/stories/{story}/final-text"): STORYTELLER,
    ("POST", "/stories/<int:story_id>/sign-off", "/stories/{story}/sign-off"): STORYTELLER,
    ("GET", "/stories/<int:story_id>/support", "/stories/{story}/support"): STORYTELLER,
    ("POST", "/stories/<int:story_id>/redact", "/stories/{story}/redact"): STORYTELLER,
    ("GET", "/compose", "/compose"): STAFF,
    ("POST", "/compose", "/compose?free=1"): STAFF,
    ("GET", "/queue", "/queue"): STAFF,
    ("GET", "/calendar", "/calendar"): STAFF,
    ("GET", "/posts/<int:post_id>", "/posts/{post}"): STAFF,
    ("POST", "/posts/<int:post_id>/pause", "/posts/{post}/pause"): STAFF,
    ("POST", "/posts/<int:post_id>/resume", "/posts/{post}/resume"): STAFF,
    ("POST", "/posts/<int:post_id>/cancel", "/posts/{post}/cancel"): STAFF,
    ("GET", "/posts/<int:post_id>/cancel", "/posts/{post}/cancel"): STAFF,
    ("GET", "/posts/mine", "/posts/mine"): STAFF,
    # The post here has no author, so only an admin may change it (its author may too: test_web_posts).
    ("GET", "/posts/<int:post_id>/edit", "/posts/{post}/edit"): ADMIN,
    ("POST", "/posts/<int:post_id>/edit", "/posts/{post}/edit"): ADMIN,
    ("POST", "/posts/<int:post_id>/reschedule", "/posts/{post}/reschedule"): STAFF,
    ("POST", "/posts/<int:post_id>/deliveries/<int:delivery_id>/mark-published",
     "/posts/{post}/deliveries/{delivery}/mark-published"): ADMIN,
    ("POST", "/posts/<int:post_id>/deliveries/<int:delivery_id>/retry", "/posts/{post}/deliveries/{delivery}/retry"): ADMIN,
    ("POST", "/posts/<int:post_id>/deliveries/<int:delivery_id>/reschedule",
     "/posts/{post}/deliveries/{delivery}/reschedule"): ADMIN,
    ("GET", "/review", "/review"): ADMIN,
    ("POST", "/review/posts/<int:post_id>/approve", "/review/posts/{post}/approve"): ADMIN,
    ("POST", "/review/posts/<int:post_id>/reject", "/review/posts/{post}/reject"): ADMIN,
    ("GET", "/review/stories/<int:story_id>", "/review/stories/{story}"): ADMIN,
    ("POST", "/review/stories/<int:story_id>/approve", "/review/stories/{story}/approve"): ADMIN,
    ("POST", "/review/stories/<int:story_id>/reject", "/review/stories/{story}/reject"): ADMIN,
    ("GET", "/log", "/log"): ADMIN,
    ("GET", "/log.csv", "/log.csv"): ADMIN,
    ("GET", "/accounts", "/accounts"): ADMIN,
    ("GET", "/publishing", "/publishing"): ADMIN,
    ("POST", "/accounts/<name>/check", "/accounts/outbox/check"): ADMIN,
    ("GET", "/users", "/users"): ADMIN,
    ("POST", "/users/invite", "/users/invite"): ADMIN,
    ("POST", "/invitations/<int:invitation_id>/revoke", "/invitations/{invitation}/revoke"): ADMIN,
    ("POST", "/users/<int:user_id>/role", "/users/{storyteller}/role"): ADMIN,
    ("POST", "/users/<int:user_id>/deactivate", "/users/{other_storyteller}/deactivate"): ADMIN,
    ("POST", "/users/<int:user_id>/reactivate", "/users/{other_storyteller}/reactivate"): ADMIN,
    ("POST", "/users/<int:user_id>/safeguarding", "/users/{storyteller}/safeguarding"): ADMIN,
    # Images: who may see which one is checked inside (test_web_images); here, only who may ask at all.
    ("GET", "/media/<digest>", "/media/" + "0" * 64): SIGNED_IN,
    ("GET", "/media/kept/<token>", "/media/kept/not-a-signed-value"): SIGNED_IN,
    ("GET", "/media/card/<int:post_id>", "/media/card/{post}"): STAFF,
    ("GET", "/timetable", "/timetable"): ADMIN,
    ("POST", "/timetable", "/timetable"): ADMIN,
    ("POST", "/timetable/remove", "/timetable/remove"): ADMIN,
    ("POST", "/timetable/blackout", "/timetable/blackout"): ADMIN,
    ("POST", "/timetable/blackout/remove", "/timetable/blackout/remove"): ADMIN,
    ("GET", "/pause", "/pause"): ADMIN,
    ("POST", "/pause", "/pause"): ADMIN,  # with no reason given nothing is paused
    ("GET", "/resume", "/resume"): ADMIN,
    ("POST", "/resume", "/resume"): ADMIN,
}


@pytest.fixture
def world(project, sessions):
    """An app with one person per role, a story, a post and an invitation to aim at."""
    ids = make_people(sessions)
    with transaction(sessions) as session:
        author = session.get(User, ids["storyteller"])
        story = submit(session, project.config, author, StoryDraft(
            "My story", "The café gave me a place to belong.", "first_name", "Sam", ["outbox"],
            consent_until=date(2099, 1, 1)))
        post = create_post(session, project.config, Draft(text="Our café is open: come as you are."))
        _, token = invite(session, "new@example.org", "volunteer", "ada@example.org")
        ids.update(story=story.id, post=post.id, invitation=1, token=token, delivery=post.deliveries[0].id)
    app = make_app(project, sessions, WTF_CSRF_ENABLED=False)  # CSRF has its own tests
    return app, ids


def _answer(status: int, location: str, url: str) -> str:
    """Classify a response as ok, a redirect to sign in, or forbidden."""
    if status == 403:
        return NO
    if status in (301, 302, 303) and "/login" in location:
        return LOGIN
    # /health answers 503 here on purpose: no worker runs beside this test app.
    assert status < 500 or (url, status) == ("/health", 503), (url, status)
    return OK


def test_every_route_is_in_the_matrix(world):
    app, _ = world
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(method, rule) for method, rule, _ in MATRIX}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_on_every_route(world, role):
    app, ids = world
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, role)
    wrong = []
    for (method, rule, path), expected in MATRIX.items():
        if rule == "/logout":
            continue  # signing out would end the session for the rest of the matrix; it has its own test
        url = path.format(**ids)
        answer = client.open(url, method=method, data={} if method == "POST" else None)
        got = _answer(answer.status_code, answer.headers.get("Location", ""), url)
        if got != expected[role]:
            wrong.append(f"{method} {url}: expected {expected[role]}, got {got} ({answer.status_code})")
    assert not wrong, "\n".join(wrong)


def test_a_storyteller_cannot_see_another_storytellers_story(world):
    app, ids = world
    client = sign_in(app.test_client(), "other_storyteller")
    for path in (f"/stories/{ids['story']}", f"/stories/{ids['story']}/edit", f"/stories/{ids['story']}/final-text",
                 f"/stories/{ids['story']}/withdraw"):
        assert client.get(path).status_code == 404
    assert client.post(f"/stories/{ids['story']}/withdraw").status_code == 404
    assert client.post(f"/stories/{ids['story']}/sign-off").status_code == 404
    assert "My story" not in client.get("/stories").get_data(as_text=True)


def test_signing_out_ends_the_session(world):
    app, _ = world
    client = sign_in(app.test_client(), "volunteer")
    assert client.post("/logout").status_code == 302
    assert "/login" in client.get("/queue").headers["Location"]
