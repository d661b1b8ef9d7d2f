"""Posts are never lost or hidden: My posts, a post's whole history, editing, drafts, review errors beside their
field, typed times, long texts kept, and cancelling only after saying what will happen."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import sqlite_only
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Post
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve, reject
from recovery_voice.worker import Worker
from web_fixtures import PEOPLE, csrf_from, make_app, make_people, sign_in

VAL, ADA = PEOPLE["volunteer"], PEOPLE["admin"]
LONDON = ZoneInfo("Europe/London")
NOTE = "Please say which day the café opens, so people know when to come."


def make_post(project, sessions, text="Our café is open: come as you are.", by=VAL, **draft) -> int:
    """A post made by `by`, waiting for approval; returns its id."""
    with transaction(sessions) as session:
        return create_post(session, project.config, Draft(text=text, **draft), created_by=by).id


def send_back(project, sessions, post_id: int, note: str = NOTE) -> None:
    """An admin sends the post back with a note."""
    with transaction(sessions) as session:
        reject(session, [post_id], ADA, note)


def client_for(project, sessions, who="volunteer"):
    """A signed-in test client (people made once per test)."""
    return sign_in(make_app(project, sessions).test_client(), who)


def form_of(client, path: str) -> dict:
    """The CSRF token of a page, to send with a form."""
    return {"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}


def field_error(html: str, field_id: str) -> str:
    """The message shown beside a field, or ""."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.DOTALL)
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1)) if found else ""
    return re.sub(r"<[^>]+>", "", shown).strip()


def review_form_of(client, post_id: int) -> dict:
    """The review page's CSRF token and what it says it showed of the post (review.seen_mark), to send back."""
    html = client.get("/review").get_data(as_text=True)
    form = re.search(rf'<article class="card" id="post-{post_id}".*?</article>', html, re.DOTALL).group(0)
    return {"csrf_token": csrf_from(html), "seen": re.search(r'name="seen" value="([0-9a-f]+)"', form).group(1)}


def textarea(html: str, name: str) -> str:
    """What a textarea holds as the page shows it (unescaped just enough to compare)."""
    found = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"').strip() if found else None


@sqlite_only
def test_my_posts_lists_every_post_of_its_author_with_status_in_words_and_the_note_of_one_sent_back(project, sessions):
    make_people(sessions)
    waiting = make_post(project, sessions, "We meet on Thursdays at the café.")
    returned = make_post(project, sessions, "Come to our open day.")
    send_back(project, sessions, returned)
    someone_else = make_post(project, sessions, "A post the admin wrote.", by=ADA)
    client = client_for(project, sessions)
    client.post("/compose?free=1", data={**form_of(client, "/compose?free=1"), "text": "A draft about the garden.",
                                         "accounts": "outbox", "when": "next-slot", "action": "draft"})
    html = client.get("/posts/mine").get_data(as_text=True)
    assert f"Post #{waiting}</a>: <span class=\"status\">Waiting for approval" in html
    assert f"Post #{returned}</a>: <span class=\"status\">Sent back" in html and f"Sent back with this note: {NOTE}" in html
    assert "Draft</span>" in html and "A draft about the garden." in html
    assert f"Post #{someone_else}<" not in html and "A post the admin wrote." not in html
    assert 'href="/posts/mine"' in html  # the nav link


def test_the_post_page_tells_its_whole_history_with_names_zones_and_each_networks_link(project, sessions, clock):
    make_people(sessions)
    due = clock.now + timedelta(hours=2)
    # A slur, not a death: a post touching suicide would need a second admin (test_approvals.py).
    post_id = make_post(project, sessions, "A junkie once told Sam recovery was impossible.", when=due.isoformat())
    send_back(project, sessions, post_id)
    admin = client_for(project, sessions, "admin")
    volunteer = client_for(project, sessions)
    edited = volunteer.post(f"/posts/{post_id}/edit", data={
        **form_of(volunteer, f"/posts/{post_id}/edit"),
        "text": "A junkie once told Sam recovery was impossible; he proved them wrong.",
        "accounts": "outbox", "when": "at", "at": due.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M"),
        "action": "queue"})
    assert edited.status_code == 302
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA, "It quotes the slur to explain why we never use it.")
    clock.now = due + timedelta(seconds=1)
    assert Worker(project.config, sessions, clock).run_due() == 1
    html = admin.get(f"/posts/{post_id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    steps = ["Made by val and sent for approval", f"Sent back by ada with this note: {NOTE}",
             "Changed by val: sent for approval again. Language check: something needs changing",
             "Approved by ada as it is, with this reason: It quotes the slur to explain why we never use it.",
             "Published on outbox"]
    positions = [history.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), history
    assert re.search(r"\d\d:\d\d (GMT|BST)</span>: Published on outbox", history)
    assert "val@example.org" not in history and "ada@example.org" not in history
    with sessions() as session:
        url = session.scalar(select(Delivery.remote_url))
    assert f"Published on outbox. Its link: <span class=\"link-text\">{url}</span>" in history


@sqlite_only
def test_a_post_sent_back_is_changed_and_goes_for_approval_again_at_the_time_typed(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions, "Come to our open day.")
    send_back(project, sessions, post_id)
    client = client_for(project, sessions)
    assert f"Sent back by the reviewer: {NOTE}" in client.get(f"/posts/{post_id}").get_data(as_text=True)
    page = client.get(f"/posts/{post_id}/edit").get_data(as_text=True)
    assert textarea(page, "text") == "Come to our open day." and "Send for approval again" in page
    when = (datetime.now(LONDON) + timedelta(days=3)).replace(hour=11, minute=15, second=0, microsecond=0)
    answer = client.post(f"/posts/{post_id}/edit", data={
        **form_of(client, f"/posts/{post_id}/edit"), "text": "Come to our open day on Saturday at 11:15.",
        "accounts": "outbox", "when": "next-slot", "at": when.strftime("%Y-%m-%dT%H:%M"), "action": "queue"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/posts/{post_id}")
    with sessions() as session:
        post = session.get(Post, post_id)
        [delivery] = session.scalars(select(Delivery).where(Delivery.post_id == post_id))
        assert (post.status, post.text) == ("pending", "Come to our open day on Saturday at 11:15.")
        assert delivery.status == "pending" and delivery.due_at == when.astimezone(timezone.utc)
    assert "Come to our open day on Saturday" in client_for(project, sessions, "admin").get("/review").get_data(
        as_text=True)


@sqlite_only
def test_a_post_sent_back_and_changed_tells_the_admins_again_that_it_waits_but_a_waiting_one_does_not(project,
                                                                                                     sessions):
    from recovery_voice.models import Email
    from recovery_voice.posts import edit_post

    make_people(sessions)
    post_id = make_post(project, sessions)

    def told() -> int:
        with sessions() as session:
            kinds = session.execute(select(Email.kind, Email.facts)).all()
        return sum(1 for kind, facts in kinds if kind == "review_waiting" and facts.get("id") == post_id)

    first = told()
    assert first >= 1
    with transaction(sessions) as session:  # changed while still waiting: the admins already know
        edit_post(session, project.config, post_id, Draft(text="Our café is open on Thursdays.", accounts=["outbox"]),
                  actor=VAL)
    assert told() == first
    send_back(project, sessions, post_id)
    with transaction(sessions) as session:
        edit_post(session, project.config, post_id, Draft(text="Our café opens on Thursdays at ten.",
                                                           accounts=["outbox"]), actor=VAL)
    assert told() == 2 * first


def test_changing_an_approved_post_takes_it_off_the_timetable_until_it_is_approved_again(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
    client = client_for(project, sessions)
    assert "it then needs approval again" in client.get(f"/posts/{post_id}").get_data(as_text=True)
    client.post(f"/posts/{post_id}/edit", data={**form_of(client, f"/posts/{post_id}/edit"),
                                                 "text": "Our café is open every Thursday: come as you are.",
                                                 "accounts": "outbox", "when": "next-slot", "action": "queue"})
    with sessions() as session:
        post = session.get(Post, post_id)
        statuses = list(session.scalars(select(Delivery.status).where(Delivery.post_id == post_id)))
        assert (post.status, post.approved_by, statuses) == ("pending", None, ["pending"])
        note = session.scalar(select(LogEntry.reason).where(LogEntry.event == "edited"))
    assert "waiting for approval again" in note


@sqlite_only
def test_a_published_post_cannot_be_changed_and_its_page_says_why(project, sessions, clock):
    make_people(sessions)
    post_id = make_post(project, sessions, when=(clock.now + timedelta(minutes=5)).isoformat())
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
    clock.now += timedelta(minutes=6)
    Worker(project.config, sessions, clock).run_due()
    client = client_for(project, sessions)
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "has gone out" in page and "Change this post" not in page
    ask = client.get(f"/posts/{post_id}/cancel").get_data(as_text=True)
    assert "What went out on outbox (one post) is deleted from there" in ask and "delete it from the networks" in ask
    refused = client.get(f"/posts/{post_id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "can no longer be changed" in refused
    answer = client.post(f"/posts/{post_id}/edit", data={**form_of(client, f"/posts/{post_id}"), "text": "New words",
                                                          "accounts": "outbox", "when": "next-slot", "action": "queue"})
    assert answer.status_code == 302
    with sessions() as session:
        assert session.get(Post, post_id).text == "Our café is open: come as you are."


@sqlite_only
def test_another_volunteers_post_cannot_be_changed_by_a_volunteer(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions, by=ADA)
    client = client_for(project, sessions)
    assert client.get(f"/posts/{post_id}/edit").status_code == 403
    assert "Change this post" not in client.get(f"/posts/{post_id}").get_data(as_text=True)


@sqlite_only
def test_a_draft_is_kept_out_of_review_and_off_the_timetable_until_it_is_sent_for_approval(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    saved = client.post("/compose?free=1", data={**form_of(client, "/compose?free=1"), "text": "Half an idea.",
                                                 "when": "next-slot", "action": "draft"})  # no account chosen yet
    assert saved.status_code == 302
    post_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    admin = client_for(project, sessions, "admin")
    assert "Half an idea." not in admin.get("/review").get_data(as_text=True)
    assert "Half an idea." not in client.get("/queue").get_data(as_text=True)
    with sessions() as session:
        assert session.get(Post, post_id).status == "draft"
        assert session.scalar(select(Delivery.id).where(Delivery.post_id == post_id)) is None
    client.post(f"/posts/{post_id}/edit", data={**form_of(client, f"/posts/{post_id}/edit"),
                                                 "text": "A whole idea, ready to share.", "accounts": "outbox",
                                                 "when": "next-slot", "action": "queue"})
    assert "A whole idea, ready to share." in admin.get("/review").get_data(as_text=True)
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"
        assert list(session.scalars(select(Delivery.status).where(Delivery.post_id == post_id))) == ["pending"]


@sqlite_only
def test_a_half_filled_template_is_saved_as_a_draft_and_its_fields_come_back(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    path = "/compose?template=milestone"
    saved = client.post(path, data={**form_of(client, path), "v_name": "Sam", "accounts": "outbox",
                                    "when": "next-slot", "action": "draft"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    post_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/posts/{post_id}/edit").get_data(as_text=True)
    assert textarea(page, "v_name") == "Sam" and textarea(page, "v_time") == ""


@sqlite_only
def test_a_missing_template_field_is_named_by_its_label_beside_that_field(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    path = "/compose?template=milestone"
    html = client.post(path, data={**form_of(client, path), "v_name": "Sam", "accounts": "outbox",
                                   "when": "next-slot", "action": "queue"}).get_data(as_text=True)
    [missing] = [name for name in re.findall(r'id="(v_[a-z_]+)-error"', html)]
    label = re.search(rf'<label for="{missing}">(.*?)</label>', html).group(1)
    assert field_error(html, missing) == f"Fill in “{label}”."
    assert "[vars]" not in html and f'href="#{missing}"' in html


@sqlite_only
def test_a_typed_time_in_the_past_is_refused_beside_the_time_field(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    past = (datetime.now(LONDON) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    html = client.post("/compose?free=1", data={**form_of(client, "/compose?free=1"), "text": "Hello, friends.",
                                                "accounts": "outbox", "when": "next-slot", "at": past,
                                                "action": "queue"}).get_data(as_text=True)
    assert field_error(html, "at").startswith("That time has passed")
    with sessions() as session:
        assert session.scalar(select(Post.id)) is None


@sqlite_only
def test_a_long_pasted_text_comes_back_whole_with_the_limit_and_no_maxlength(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    blank = client.get("/compose?free=1").get_data(as_text=True)
    assert "Up to 20,000 characters" in blank and "maxlength" not in re.search(r"<textarea[^>]*>", blank).group(0)
    text = "We are here for you. " * 1200  # 25,200 characters
    html = client.post("/compose?free=1", data={**form_of(client, "/compose?free=1"), "text": text,
                                                "accounts": "outbox", "when": "next-slot",
                                                "action": "queue"}).get_data(as_text=True)
    assert "25,200 characters; the most it can hold is 20,000" in field_error(html, "text")
    assert textarea(html, "text") == text.strip()
    with sessions() as session:
        assert session.scalar(select(Post.id)) is None


@sqlite_only
def test_an_approval_without_a_reason_comes_back_beside_the_reason_with_both_typed_texts_kept(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions, "Sam committed suicide last year.")
    admin = client_for(project, sessions, "admin")
    answer = admin.post(f"/review/posts/{post_id}/approve", data={
        **review_form_of(admin, post_id), f"a{post_id}-override_reason": "ok", f"r{post_id}-reason": "Maybe reword it"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert field_error(html, f"a{post_id}-override_reason").startswith("Say it in a sentence")
    assert textarea(html, f"a{post_id}-override_reason") == "ok" and textarea(html, f"r{post_id}-reason") == "Maybe reword it"
    assert re.search(rf'<textarea[^>]*autofocus[^>]*name="a{post_id}-override_reason"|'
                     rf'<textarea[^>]*name="a{post_id}-override_reason"[^>]*autofocus', html)
    assert "--override-reason" not in html
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


@sqlite_only
def test_a_send_back_without_a_note_comes_back_beside_the_note_with_focus_there(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions)
    admin = client_for(project, sessions, "admin")
    answer = admin.post(f"/review/posts/{post_id}/reject", data={**review_form_of(admin, post_id),
                                                                 f"r{post_id}-reason": "No."})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "its author will see it" in field_error(html, f"r{post_id}-reason")
    assert textarea(html, f"r{post_id}-reason") == "No." and "<details open>" in html
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"


@sqlite_only
def test_a_note_or_reason_over_the_limit_is_refused_beside_its_box_and_kept(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions, "Sam committed suicide last year.")
    admin = client_for(project, sessions, "admin")
    long = "Please change the wording of the second sentence. " * 50  # 2,550 characters
    for action, box in (("reject", f"r{post_id}-reason"), ("approve", f"a{post_id}-override_reason")):
        answer = admin.post(f"/review/posts/{post_id}/{action}", data={**review_form_of(admin, post_id), box: long})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and field_error(html, box).startswith("Keep it to 2,000 characters or fewer")
        assert textarea(html, box) == long.strip()
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"
        assert session.scalar(select(LogEntry.id).where(LogEntry.event.in_(("rejected", "approved_override")))) is None


@sqlite_only
def test_a_post_changed_after_the_admin_opened_the_review_page_is_not_approved_unseen(project, sessions):
    from recovery_voice.posts import edit_post

    make_people(sessions)
    post_id = make_post(project, sessions)
    admin = client_for(project, sessions, "admin")
    opened = review_form_of(admin, post_id)
    with transaction(sessions) as session:  # the volunteer changes it meanwhile
        edit_post(session, project.config, post_id, Draft(text="Our café is closed this week.", accounts=["outbox"]),
                  actor=VAL)
    answer = admin.post(f"/review/posts/{post_id}/approve", data={**opened, f"r{post_id}-reason": NOTE})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'id="post-{post_id}-changed"' in html and "nothing was decided" in html
    assert "Our café is closed this week." in html and textarea(html, f"r{post_id}-reason") == NOTE
    with sessions() as session:
        assert session.get(Post, post_id).status == "pending"
    again = admin.post(f"/review/posts/{post_id}/approve", data=review_form_of(admin, post_id))
    assert again.status_code == 302
    with sessions() as session:
        assert session.get(Post, post_id).status == "scheduled"


@sqlite_only
def test_cancel_first_says_what_will_happen_and_only_the_confirmation_cancels(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
    client = client_for(project, sessions)
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    assert f'href="/posts/{post_id}/cancel"' in page
    ask = client.get(f"/posts/{post_id}/cancel").get_data(as_text=True)
    assert "It will not go out on outbox (it was due" in ask and re.search(r"(GMT|BST)\)", ask)
    with sessions() as session:
        assert session.get(Post, post_id).status == "scheduled"  # asking changed nothing
    client.post(f"/posts/{post_id}/cancel", data={"csrf_token": csrf_from(ask)})
    with sessions() as session:
        assert session.get(Post, post_id).status == "cancelled"


@sqlite_only
def test_moving_a_post_takes_the_typed_time_over_the_next_free_slot_and_refuses_a_past_one_in_plain_words(
        project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
    client = client_for(project, sessions)
    when = (datetime.now(LONDON) + timedelta(days=4)).replace(hour=14, minute=45, second=0, microsecond=0)
    moved = client.post(f"/posts/{post_id}/reschedule", data={**form_of(client, f"/posts/{post_id}"),
                                                               "when": "next-slot", "at": when.strftime("%Y-%m-%dT%H:%M")})
    assert moved.status_code == 302
    with sessions() as session:
        assert session.get(Post, post_id).deliveries[0].due_at == when.astimezone(timezone.utc)
    past = (datetime.now(LONDON) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    html = client.post(f"/posts/{post_id}/reschedule", data={**form_of(client, f"/posts/{post_id}"), "when": "at",
                                                              "at": past}, follow_redirects=True).get_data(as_text=True)
    assert "That time has passed" in html and "is in the past" not in html  # the form's words, not the CLI's
    with sessions() as session:
        assert session.get(Post, post_id).deliveries[0].due_at == when.astimezone(timezone.utc)


@sqlite_only
def test_a_post_whose_outcome_is_unknown_can_be_taken_down_after_saying_it_may_be_there(project, sessions):
    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
        session.get(Post, post_id).deliveries[0].status = "needs_review"  # the network never answered
        session.get(Post, post_id).status = "needs_review"
    client = client_for(project, sessions)
    assert f'href="/posts/{post_id}/cancel"' in client.get(f"/posts/{post_id}").get_data(as_text=True)
    ask = client.get(f"/posts/{post_id}/cancel").get_data(as_text=True)
    assert "It may just have gone out on the outbox file: if it did, it is deleted from there too." in ask
    assert "there is nothing to cancel" not in ask
    client.post(f"/posts/{post_id}/cancel", data={"csrf_token": csrf_from(ask)})
    with sessions() as session:
        assert session.get(Post, post_id).deliveries[0].deletion == "requested"


@sqlite_only
def test_an_edit_is_refused_and_changes_nothing_once_a_worker_has_claimed_the_post(project, sessions):
    from recovery_voice.posts import PostProblem, edit_post

    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
        session.get(Post, post_id).deliveries[0].status = "claimed"  # a worker took it a moment ago
    with sessions() as session:
        with pytest.raises(PostProblem) as refused:
            edit_post(session, project.config, post_id, Draft(text="New words.", accounts=["outbox"]), actor=VAL)
        session.rollback()
    assert refused.value.kind == "published"
    with sessions() as session:
        post = session.get(Post, post_id)
        assert (post.text, post.status, post.deliveries[0].status) == (
            "Our café is open: come as you are.", "scheduled", "claimed")


@sqlite_only
def test_an_approved_post_changed_for_the_next_free_slot_gets_its_own_slot_back_with_a_new_key(project, sessions):
    from recovery_voice.posts import edit_post

    make_people(sessions)
    post_id = make_post(project, sessions)
    with transaction(sessions) as session:
        approve(session, project.config, [post_id], ADA)
        before = session.get(Post, post_id).deliveries[0]
        slot, key = before.due_at, before.remote_key
        edit_post(session, project.config, post_id, Draft(text="Our café is open on Thursdays.", accounts=["outbox"]),
                  actor=VAL)
    with sessions() as session:
        [after] = session.get(Post, post_id).deliveries
        assert (after.status, after.due_at) == ("pending", slot) and after.remote_key != key


@sqlite_only
def test_a_time_that_is_not_a_date_is_refused_beside_the_time_field_in_plain_words(project, sessions):
    make_people(sessions)
    client = client_for(project, sessions)
    html = client.post("/compose?free=1", data={**form_of(client, "/compose?free=1"), "text": "Hello, friends.",
                                                "accounts": "outbox", "when": "at", "at": "next Tuesday",
                                                "action": "queue"}).get_data(as_text=True)
    assert field_error(html, "at") == "Type the date and time it should go out, like 05/12/2026 09:30."
    assert "Not a valid" not in html


@sqlite_only
def test_changing_only_the_words_of_a_post_keeps_its_image_and_alt_text(project, sessions):
    import io

    from imagekit import phone_photo
    from recovery_voice.models import Attachment

    make_people(sessions)
    client = client_for(project, sessions)
    made = client.post("/compose?free=1", content_type="multipart/form-data", data={
        **form_of(client, "/compose?free=1"), "text": "Our café is open.", "accounts": "outbox", "when": "next-slot",
        "action": "queue", "image-1-file": (io.BytesIO(phone_photo()), "IMG_1.jpg"),
        "image-1-alt": "Six people round a table.", "image-1-people": "agreed"})
    assert made.status_code == 302, made.get_data(as_text=True)
    with sessions() as session:
        [digest] = session.scalars(select(Attachment.digest)).all()
    html = client.get("/posts/1/edit").get_data(as_text=True)
    [kept] = re.findall(r'name="image-1-kept" value="([^"]+)"', html)
    changed = client.post("/posts/1/edit", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "text": "Our café is open on Thursdays.", "accounts": "outbox",
        "when": "next-slot", "action": "queue", "image-1-kept": kept, "image-1-alt": "Six people round a table.",
        "image-1-people": "agreed"})
    assert changed.status_code == 302, changed.get_data(as_text=True)
    with sessions() as session:
        assert [(a.digest, a.alt) for a in session.scalars(select(Attachment))] == [(digest, "Six people round a table.")]
        assert session.get(Post, 1).text == "Our café is open on Thursdays."


@sqlite_only
def test_a_drafts_page_says_where_and_when_it_would_go_instead_of_an_empty_table(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        post_id = create_post(session, project.config, Draft(text="Half an idea.", accounts=["outbox"]),
                              created_by=VAL, as_draft=True).id
    html = client_for(project, sessions).get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Post #1: Draft" in html and "<table>" not in html.split('id="history"')[0].split("Where and when")[1]
    assert "Not on the timetable yet: it goes to outbox, in the next free slot, once it is sent for approval" in html
