"""Admin pages: the review queue, the publishing log and accounts (people and the timetable have their own modules)."""

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import anonymity, approvals, attachments, history, logbook, safeguarding, viewing
from ..accounts import account_health, check_account
from ..models import PENDING, LogEntry, Post, Story
from ..posts import PostProblem
from ..review import approve, reject, seen_mark
from ..stories import (SIGNED, approve_story, final_texts, reject_story, review_text, signoff_state, storyteller_name,
                       waiting_stories)
from .checking import annotated
from .common import config, day_start, db, page_number, roles, sentence, shown_day, wake_worker
from .forms import ActionForm, ApproveForm, RejectForm
from .images import shown_row
from .postwords import review_words
from .preview import saved_previews, support_note

blueprint = Blueprint("admin", __name__)
ADMIN = ("admin",)
LOG_PAGE = 100
LOG_FILTERS = ("account", "outcome", "since", "until")  # url_for would take "_external" and the like from a query
CSV_LIMIT = 100_000


@blueprint.get("/review")
@roles(*ADMIN)
def review():
    """List the posts and stories waiting for approval, each with approve and reject forms."""
    return _review_page()


def _review_page(failed: int | None = None, problem: PostProblem | None = None):
    """The review page; after a refused decision on post `failed`, its typed words come back with the problem beside
    its field (the forms read what was posted), and that field has the focus, so nothing works only with script."""
    session = db()
    posts = list(session.scalars(select(Post).where(Post.status == PENDING).order_by(Post.id).limit(50)
                                 .options(selectinload(Post.images))))  # one query for every post's images
    if failed is not None and failed not in {p.id for p in posts}:
        posts += list(session.scalars(select(Post).where(Post.id == failed, Post.status == PENDING)))
    forms = [(p, ApproveForm(prefix=f"a{p.id}"), RejectForm(prefix=f"r{p.id}")) for p in posts]
    changed = None
    for post, approve_form, reject_form in forms:
        if post.id == failed and problem is not None and problem.kind == "changed":
            changed = review_words(problem)  # about the post, not a box: said above its text
        elif post.id == failed and problem is not None:
            target = reject_form.reason if problem.field == "reason" else approve_form.override_reason
            target.errors = [review_words(problem)]
    stories = waiting_stories(session, 50)
    return render_template(
        "review.html", posts=forms, failed=failed, changed=changed, seen={p.id: seen_mark(p) for p in posts},
        people=history.names_of(session, [p.created_by for p in posts]),
        images={p.id: [shown_row(row) for row in p.images] for p in posts}, stories=stories,
        two={p.id: approvals.standing(session, p, current_user.email) for p in posts},
        two_stories={s.id: approvals.standing(session, s, current_user.email) for s in stories},
        previews={p.id: saved_previews(config(), p.text, p.content_warning, p.care) for p in posts}), \
        422 if failed is not None else 200


@blueprint.post("/review/posts/<int:post_id>/approve")
@roles(*ADMIN)
def approve_post(post_id: int):
    """Approve a post; a language error needs a written reason (review.approve enforces it)."""
    form = ApproveForm(prefix=f"a{post_id}")
    form.validate()
    return _decide_post(post_id, lambda: approve(db(), config(), [post_id], current_user.email,
                                                 form.override_reason.data or None, seen=_seen_post()),
                        lambda: _approved_words(db().get(Post, post_id), f"Post {post_id}"))


def _approved_words(item, name: str) -> str:
    """Say what an approval did: on the timetable, or (touching a death) the first of two, the others told."""
    if approvals.waits_for_second(item):
        return (f"You approved {name.lower()}. It touches {approvals.topic_words(item)}, so a second admin needs to "
                "approve it too: the other admins are told by email.")
    return f"{name} is approved and on the timetable."


def _second_words(problem: PostProblem) -> str:
    """Say in the review pages' words why this admin cannot give an item its second approval."""
    what, topics = problem.details.get("what", "post"), problem.details.get("topics", "")
    if problem.kind == approvals.SAME_ADMIN:
        return (f"You approved this {what} already. It touches {topics}, so a different admin needs to approve it "
                "too: ask another admin to look at it.")
    return (f"You wrote this {what}, so its second approval must come from someone else. It touches {topics}: ask "
            f"another admin (not {problem.details.get('first', 'the first approver')}, who approved it first) to "
            "approve it.")


@blueprint.post("/review/posts/<int:post_id>/reject")
@roles(*ADMIN)
def reject_post(post_id: int):
    """Reject a post with a reason its author sees."""
    form = RejectForm(prefix=f"r{post_id}")
    form.validate()
    return _decide_post(post_id, lambda: reject(db(), [post_id], current_user.email, form.reason.data or "",
                                                seen=_seen_post()),
                        f"Post {post_id} is sent back to its author with your note.")


def _seen_post() -> str:
    """The post as the review form showed it (review.seen_mark; "" when the form did not say, always refused)."""
    return request.form.get("seen", "")


def _decide_post(post_id: int, change, done: str):
    """Run a decision on a post; when refused, show the review page again with the problem beside its field."""
    db().get(Post, post_id) or abort(404)
    try:
        change()
    except PostProblem as problem:
        db().rollback()
        if problem.kind in ("not_waiting", approvals.SAME_ADMIN, approvals.OWN_ITEM):
            flash(review_words(problem) if problem.kind == "not_waiting" else _second_words(problem), "error")
            return redirect(url_for("admin.review"))
        return _review_page(post_id, problem)
    words = done() if callable(done) else done  # before the commit, which expires what it reads
    db().commit()
    wake_worker()
    flash(words, "success")
    return redirect(url_for("admin.review"))


@blueprint.get("/review/stories/<int:story_id>")
@roles(*ADMIN)
def story(story_id: int):
    """Show a story as it would go out, with its findings and the review forms; the reading is recorded."""
    if viewing.record(db(), story_id, current_user.id, viewing.READ):
        db().commit()  # its storyteller can see who has read it
    return _story_page(story_id)


def _story_page(story_id: int, problem: PostProblem | None = None, approve_form=None, reject_form=None):
    """The story's review page; after a refused decision, the typed words come back with the problem beside its
    field (or at the top when it is about the story), so nothing typed is lost."""
    item = db().get(Story, story_id) or abort(404)
    text = review_text(item)
    photos = [shown_row(row) for row in attachments.of_story(db(), story_id)] if text else []
    approve_form, reject_form = approve_form or ApproveForm(formdata=None), reject_form or RejectForm(formdata=None)
    target = {"override_reason": approve_form.override_reason, "reason": reject_form.reason}.get(
        getattr(problem, "field", None))
    if target is not None:
        target.errors = [_story_review_words(problem)]
    return render_template("review_story.html", story=item, text=text, images=photos,
                           findings=annotated(text, "storyteller") if text else [],
                           texts=final_texts(db(), config(), item) if text else [],
                           photos={photo["position"]: photo for photo in photos},
                           signoff=signoff_state(db(), config(), item) if text else None, signed=SIGNED,
                           teller=storyteller_name(item), approve_form=approve_form, reject_form=reject_form,
                           problem=_story_problem_words(problem) if problem is not None and target is None else None,
                           two=approvals.standing(db(), item, current_user.email) if text else None,
                           views=viewing.record_of(db(), story_id),
                           spots=anonymity.grouped(anonymity.spots(db(), config(), item)) if text else [],
                           in_crisis=bool(text) and safeguarding.in_crisis(item),
                           support=support_note(config(), item.care, "story") if text else None), \
        422 if problem is not None else 200


def _story_problem_words(problem: PostProblem) -> str:
    """Say a refusal about the story as a whole (not one box) at the top of its page."""
    if problem.kind in (approvals.SAME_ADMIN, approvals.OWN_ITEM):
        return _second_words(problem)
    return sentence(problem)


def _story_review_words(problem: PostProblem) -> str:
    """Say a refused approval or send-back of a story in the story review page's words."""
    if problem.field == "override_reason" and problem.kind == "missing":
        return ("This story has a language finding that needs changing, or a photo without alt text. Write here why "
                "it should go out as it is, or send it back with a note saying what to change.")
    if problem.field == "reason" and problem.kind != "too_long":
        return "Write a note of a sentence or more saying what should change: the storyteller will see it."
    return review_words(problem)


def _seen_version() -> int:
    """The story version the review form was showing (0 when the form did not say, which is always refused)."""
    return request.form.get("version", 0, type=int)


@blueprint.post("/review/stories/<int:story_id>/approve")
@roles(*ADMIN)
def approve_story_view(story_id: int):
    """Approve a story: it becomes a post on the networks its storyteller chose."""
    form = ApproveForm()
    form.validate()
    return _decide_story(story_id, lambda: approve_story(db(), config(), story_id, current_user.email,
                                                         form.override_reason.data or None,
                                                         seen_version=_seen_version()),
                         lambda: _approved_words(db().get(Story, story_id), f"Story {story_id}"), approve_form=form)


@blueprint.post("/review/stories/<int:story_id>/reject")
@roles(*ADMIN)
def reject_story_view(story_id: int):
    """Send a story back to its storyteller with a note."""
    form = RejectForm()
    form.validate()
    return _decide_story(story_id, lambda: reject_story(db(), story_id, current_user.email, form.reason.data or "",
                                                        seen_version=_seen_version()),
                         f"Story {story_id} is sent back to its storyteller with your note.", reject_form=form)


def _decide_story(story_id: int, change, done: str, **forms):
    """Run a decision on a story; when refused, show its page again with the typed words and the problem."""
    db().get(Story, story_id) or abort(404)
    try:
        change()
    except PostProblem as problem:
        db().rollback()
        return _story_page(story_id, problem, **forms)
    viewing.decided(db(), story_id, current_user.id)  # approved, approved first or sent back: its storyteller sees it
    words = done() if callable(done) else done  # before the commit, which expires what it reads
    db().commit()
    wake_worker()
    flash(words, "success")
    return redirect(url_for("admin.review"))


def _log_query(args):
    """Build the log query from the page's filters: account, outcome and a range of local dates."""
    query = select(LogEntry)
    if args.get("account"):
        query = query.where(LogEntry.account == args["account"])
    if args.get("outcome"):
        query = query.where(LogEntry.event == args["outcome"])
    for key, compare in (("since", lambda at: LogEntry.at >= at), ("until", lambda at: LogEntry.at < at)):
        try:
            day = shown_day(date.fromisoformat(args.get(key, "")))
        except ValueError:
            continue
        query = query.where(compare(day_start(day + timedelta(days=1 if key == "until" else 0))))
    return query.order_by(LogEntry.at.desc(), LogEntry.id.desc())


@blueprint.get("/log")
@roles(*ADMIN)
def log():
    """Show the publishing log, newest first, filtered as asked."""
    page, filters = page_number(), _log_filters()
    entries = list(db().scalars(_log_query(filters).offset((page - 1) * LOG_PAGE).limit(LOG_PAGE + 1)))
    outcomes = _outcomes()
    shown = entries[:LOG_PAGE]
    # People by display name, not email: approvals name their approver by the email they signed in with.
    names = history.names_of(db(), [e.actor for e in shown] + [e.approved_by for e in shown])
    return render_template("log.html", entries=shown, more=len(entries) > LOG_PAGE, page=page, names=names,
                           outcomes=outcomes,
                           accounts=[a.name for a in config().accounts], args=filters)


def _log_filters() -> dict[str, str]:
    """Return the log's filters from the query, and nothing else, so its links carry only these."""
    return {key: request.args[key] for key in LOG_FILTERS if request.args.get(key)}


def _outcomes() -> list[str]:
    """List the kinds of event in the log, one index seek each (DISTINCT would read every entry)."""
    found, last = [], ""
    while (event := db().scalar(select(func.min(LogEntry.event)).where(LogEntry.event > last))) is not None:
        found.append(event)
        last = event
    return found


@blueprint.get("/log.csv")
@roles(*ADMIN)
def log_csv():
    """Download the filtered log as CSV (oldest first), safe to open in a spreadsheet."""
    rows = list(db().scalars(_log_query(_log_filters()).limit(CSV_LIMIT)))
    rows.reverse()
    return Response(logbook.to_csv(rows, logbook.display_names(db(), rows)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=publishing-log.csv"})


@blueprint.get("/accounts")
@roles(*ADMIN)
def accounts():
    """Show each social account with its state as its posts tell it: last success, last failure, any wait."""
    rows = account_health(db(), config())
    db().commit()  # sync_accounts may have added an account the config gained
    return render_template("accounts.html", accounts=rows, action=ActionForm())


@blueprint.post("/accounts/<name>/check")
@roles(*ADMIN)
def check(name: str):
    """Check an account's credentials without posting."""
    if name not in {a.name for a in config().accounts}:
        abort(404)
    ok, message = check_account(db(), config(), name, request_timeout=10)
    db().commit()
    flash(f"{name}: {'working' if ok else 'needs attention'}. {message}", "success" if ok else "error")
    return redirect(url_for("admin.accounts"))
