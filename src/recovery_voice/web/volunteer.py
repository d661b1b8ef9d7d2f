"""Volunteer pages: compose a post, the queue, the calendar, and pausing, moving or cancelling a post."""

from dataclasses import replace
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import history, settle, takedown, viewing
from ..compose import MAX_FIELD_LENGTH, TemplateProblem, load_template, load_templates
from ..models import (
    CANCELLED,
    Account,
    Delivery,
    Post,
    utcnow,
)
from ..posts import (
    MAX_TEXT,
    NEXT_SLOT,
    SLOT_LEAD,
    Draft,
    PostProblem,
    cancel,
    check_changeable,
    chosen_when,
    create_post,
    edit_post,
    next_slot,
    pause,
    reschedule,
    resume,
)
from ..timetable import upcoming
from . import images
from .calendar import calendar_view
from .checking import annotated, fix_from_button, too_long
from .common import STAFF, config, db, from_local, page_number, roles, sentence, wake_worker
from .forms import ActionForm, ComposeForm, MarkPublishedForm, RescheduleForm, options
from .postwords import change_words, compose_field, compose_words, zoned
from .preview import saved_previews, typed_previews

blueprint = Blueprint("volunteer", __name__)
QUEUE_STATUSES = ("pending", "scheduled", "claimed", "publishing", "paused")
PAGE = 50
QUEUE_PAGES = 200  # each page reads every row before it, per status: a limit before work


def _template_or_404(name: str | None):
    """Load the chosen template, or None for free text."""
    if not name:
        return None
    try:
        return load_template(config().templates_dir, name)
    except TemplateProblem:
        abort(404)


def _compose_form(template, editing=None):
    """Build a compose form with one input per template field (or the free text box), filled from a post to edit."""
    extra = {}
    for field in (template.fields if template else ()):
        extra[f"v_{field.name}"] = ComposeForm.text.field_class(
            field.label + ("" if field.required else " (optional)"), description=f"For example: {field.example}"
            if field.example else "")
    form = type("TemplateComposeForm", (ComposeForm,), extra)()
    form.accounts.choices = options((a.name, f"{a.name} ({a.platform})") for a in config().accounts)
    if request.method == "GET":
        form.accounts.data = [a.name for a in config().accounts]
        if editing is not None:
            _fill_from(form, template, editing)
    return form


def _fill_from(form, template, post) -> None:
    """Put a post's words, accounts and time into the form, as its author left them."""
    if template is None:
        form.text.data = post.text
    for field in (template.fields if template else ()):
        form[f"v_{field.name}"].data = (post.template_vars or {}).get(field.name, "")
    form.content_warning.data = post.content_warning or ""
    form.accounts.data = post.chosen_accounts if post.chosen_accounts is not None else \
        [d.account.name for d in post.deliveries]
    if post.when and post.when != NEXT_SLOT:
        form.when.data = "at"
        form.at.data = datetime.fromisoformat(post.when).astimezone(config().timezone).replace(tzinfo=None)


def _checked_fields(form, template) -> list:
    """Return the form fields the language check looks at."""
    if template is None:
        return [form.text]
    return [form[f"v_{f.name}"] for f in template.fields]


def _field_limit(template) -> int:
    """Return the most characters a checked field may hold: a whole post, or one template field."""
    return MAX_TEXT if template is None else MAX_FIELD_LENGTH


def _refuse_long_fields(form, template) -> bool:
    """Name the limit on each checked field that is over it, before any check or preview; tell whether one was."""
    refused = False
    for field in _checked_fields(form, template):
        problem = too_long(field.data or "", _field_limit(template))
        if problem:  # the check's work grows with the text, so it must not start
            field.errors = [problem]
            refused = True
    return refused


def _draft(form, template) -> Draft:
    """Turn the compose form into a draft post (a typed time wins over "next free slot": posts.chosen_when)."""
    when = chosen_when(form.when.data, from_local(form.at.data))
    common = dict(accounts=list(form.accounts.data or []), when=when, content_warning=form.content_warning.data)
    if template is None:
        return Draft(text=form.text.data, **common)
    values = {f.name: form[f"v_{f.name}"].data for f in template.fields if form[f"v_{f.name}"].data}
    return Draft(template=template.name, values=values, **common)


def _rendered(form, template) -> str:
    """Return the post's text as it would go out, or "" when the template is not filled in yet."""
    if template is None:
        return (form.text.data or "").strip()
    try:
        return template.render({f.name: form[f"v_{f.name}"].data for f in template.fields
                                if form[f"v_{f.name}"].data})
    except TemplateProblem:
        return ""


@blueprint.route("/compose", methods=["GET", "POST"])
@roles(*STAFF)
def compose():
    """Write a post from a template or as free text, check it, preview it and put it on the timetable."""
    template = _template_or_404(request.args.get("template"))
    if request.method == "GET" and not request.args.get("template") and not request.args.get("free"):
        return render_template("compose_choose.html", templates=load_templates(config().templates_dir))
    return _compose_page(template)


@blueprint.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(post_id: int):
    """Change a post that has gone out nowhere, then send it for approval again or keep it as a draft."""
    item = _own_or_403(post_id)
    problem = _change_problem(item)
    if problem is not None:
        flash(problem, "error")
        return redirect(url_for("volunteer.post", post_id=post_id))
    return _compose_page(_template_or_404(item.template), item)


def _own_or_403(post_id: int) -> Post:
    """The post, when this person made it or is an admin."""
    item = db().get(Post, post_id) or abort(404)
    if current_user.role != "admin" and (item.created_by or "").lower() != current_user.email.lower():
        abort(403)
    return item


def _compose_page(template, editing=None):
    """The compose form for a new post or one being changed: check, preview, queue or save as a draft."""
    form = _compose_form(template, editing)
    posting = request.method == "POST"
    refused = posting and _refuse_long_fields(form, template)
    slots = images.read_slots(config().media_dir) if posting else images.slots_of(editing.images if editing else [])
    if posting and not refused:  # CSRFProtect has already checked the token of every POST
        attached = images.check_slots(slots, _platforms(form))
        action = request.form.get("action")
        if request.form.get("apply"):
            _apply(form, template, request.form["apply"])
        elif action in ("queue", "draft") and _valid(form, action) and not images.problems(slots):
            post = _save(form, template, attached, editing, queue=action == "queue")
            if post is not None:
                return redirect(url_for("volunteer.post", post_id=post.id))
    images.check_alt(slots, "organisation")
    text = "" if refused else _rendered(form, template)
    checks = {field.name: annotated(field.data or "", "organisation", _field_limit(template))
              for field in _checked_fields(form, template) if field.data}
    shown = [images.shown_slot(slot) for slot in slots if slot.digest]
    return render_template("compose.html", form=form, template=template, checks=checks, text=text,
                           previews=typed_previews(config(), text, form.content_warning.data, shown)
                           if text else [], images=shown, slots=slots, image_problems=images.problems(slots),
                           alt=_alt_limit(form), alt_limits=images.alt_limits(config().accounts),
                           checked_fields=_checked_fields(form, template), next_free=_next_free(form),
                           editing=editing, limit=_field_limit(template), zoned=zoned)


def _valid(form, action: str) -> bool:
    """Validate the form; a draft may have no account chosen yet."""
    valid = form.validate()
    if form.at.errors and form.at.raw_data and form.at.data is None:  # typed, but not a date and time
        form.at.errors = [compose_words(PostProblem("", field="when", kind="invalid"), None)]
    if action == "draft" and form.accounts.errors and not (form.errors.keys() - {"accounts"}):
        form.accounts.errors = []
        return True
    return valid


def _platforms(form) -> dict[str, str]:
    """The platform of each chosen account, by name."""
    chosen = set(form.accounts.data or [])
    return {a.name: a.platform for a in config().accounts if a.name in chosen}


def _alt_limit(form) -> dict:
    """The alt-text limit people are told: the strictest chosen network's."""
    limit, network = images.strictest(config().accounts, form.accounts.data)
    return {"limit": limit, "network": network, "chosen": bool(form.accounts.data)}


def _next_free(form) -> list[tuple[str, object]]:
    """Return (account, time) of the next free slot for each chosen account, for the hint beside "When"."""
    session, found = db(), []
    rows = {a.name: a for a in session.scalars(select(Account).where(Account.name.in_(form.accounts.data or [])))}
    for name in form.accounts.data or []:
        try:
            at = next_slot(session, config(), rows[name], utcnow()) if name in rows else _first_slot()
        except PostProblem:
            at = None
        if at is not None:
            found.append((name, at))
    return found if len({at for _, at in found}) > 1 else found[:1]


def _first_slot():
    """Return the timetable's next instant, for an account that has never had a post."""
    soonest = upcoming(db(), config(), utcnow() + SLOT_LEAD, count=1)
    return soonest[0] if soonest else None


def _apply(form, template, choice: str) -> None:
    """Apply a one-click suggestion named "field:finding:suggestion" to that field."""
    name, _, rest = choice.partition(":")
    fields = {field.name: field for field in _checked_fields(form, template)}
    if name in fields:
        fixed = fix_from_button(fields[name].data or "", "organisation", rest, _field_limit(template))
        if fixed is not None:
            fields[name].data = fixed


def _save(form, template, attached: list, editing, queue: bool):
    """Make or change the post (queued, or kept as a draft), or put why it cannot be beside its field."""
    try:
        draft = replace(_draft(form, template), images=attached)
        if editing is None:
            post = create_post(db(), config(), draft, created_by=current_user.email, as_draft=not queue)
        else:
            post = edit_post(db(), config(), editing.id, draft, actor=current_user.email, queue=queue)
    except PostProblem as error:
        db().rollback()
        _show_problem(form, template, error)
        return None
    db().commit()
    flash(_saved_words(editing, queue), "success")
    return post


def _show_problem(form, template, error: PostProblem) -> None:
    """Put a problem beside the field it is about (and so in the list at the top), in the form's words."""
    name = compose_field(error, template)
    if name in form:
        form[name].errors = [*form[name].errors, compose_words(error, template)]
    else:
        form.form_errors.append(compose_words(error, template))


def _saved_words(editing, queue: bool) -> str:
    """Say what saving did."""
    if not queue:
        return "Your draft is saved. It will not go out until you send it for approval."
    if editing is not None:
        return "Your changes are saved. The post is waiting for an admin to approve it again."
    return "Your post is queued. It is waiting for an admin to approve it."


@blueprint.get("/queue")
@roles(*STAFF)
def queue():
    """List what is waiting to go out, soonest first, a page at a time."""
    page = page_number(QUEUE_PAGES)
    rows = _queue_rows((page - 1) * PAGE, PAGE + 1)
    return render_template("queue.html", rows=rows[:PAGE], page=page, more=len(rows) > PAGE)


def _queue_rows(offset: int, limit: int) -> list:
    """Return queue rows soonest first: one index range scan per status, merged, so it stays fast at 100,000 posts."""
    rows = []
    for status in QUEUE_STATUSES:
        rows += db().execute(
            select(Delivery.due_at, Delivery.id.label("delivery_id"), Delivery.status, Post.id, Post.text,
                   Post.worst_finding, Account.name)
            .join(Post, Post.id == Delivery.post_id).join(Account, Account.id == Delivery.account_id)
            .where(Delivery.status == status).order_by(Delivery.due_at, Delivery.id).limit(offset + limit)
        ).all()
    rows.sort(key=lambda row: (row.due_at, row.delivery_id))
    return rows[offset:offset + limit]


@blueprint.get("/calendar")
@roles(*STAFF)
def calendar():
    """Show a week or a month of what goes out when, on every account or one."""
    view = "month" if request.args.get("view") == "month" else "week"
    return render_template("calendar.html", **calendar_view(db(), config(), view, request.args.get("start"),
                                                            request.args.get("account")))


@blueprint.get("/posts/<int:post_id>")
@roles(*STAFF)
def post(post_id: int):
    """Show one post: its text, findings, where and when it goes, and what can be done with it."""
    session = db()
    item = session.get(Post, post_id) or abort(404)
    if viewing.read_post(session, post_id, current_user.id):  # a story's words, read by someone else: its teller sees
        session.commit()
    names = {a.id: a.name for a in session.scalars(select(Account))}
    rejected = history.sent_back_notes(session, [item]).get(item.id)
    form = RescheduleForm()
    shown = [images.shown_row(row) for row in item.images]
    entries = history.post_history(session, post_id)
    refs = [e.actor for e in entries] + [item.created_by, item.approved_by]
    people = history.names_for(session, refs, current_user.role)  # a storyteller by name only to admins
    return render_template("post.html", settling=_settling(item.deliveries), post=item, deliveries=item.deliveries, names=names, rejected=rejected,
                           action=ActionForm(), reschedule_form=form, images=shown, history=entries, people=people,
                           change=_change_problem(item), zoned=zoned, last_made=_last_made(entries),
                           previews=saved_previews(config(), item.text, item.content_warning, item.care, shown)
                           if item.text else [])  # a withdrawn story's post has its text erased


def _last_made(entries) -> int:
    """The position of the entry where the post got its present words (the check shown beside it is of those)."""
    return max((i for i, e in enumerate(entries) if e.event in ("queued", "edited", "drafted")), default=-1)


def _change_problem(item: Post) -> str | None:
    """Why this person cannot change the post's words, in the page's words, or None when they can."""
    if current_user.role != "admin" and (item.created_by or "").lower() != current_user.email.lower():
        return ""  # someone else's post: no link, and nothing to explain
    try:
        check_changeable(db(), item)
    except PostProblem as problem:
        return change_words(problem)
    return None


@blueprint.get("/posts/mine")
@roles(*STAFF)
def mine():
    """Every post this person made, newest first: drafts, waiting, sent back (with the note), scheduled, out."""
    page = page_number(QUEUE_PAGES)
    rows = history.posts_by(db(), current_user.email, (page - 1) * PAGE, PAGE + 1)
    firsts = _first_due(rows[:PAGE])
    return render_template("my_posts.html", posts=rows[:PAGE], page=page, more=len(rows) > PAGE,
                           notes=history.sent_back_notes(db(), rows[:PAGE]), due=firsts, zoned=zoned)


def _first_due(posts: list[Post]) -> dict[int, object]:
    """Each post's soonest time on the timetable (none for drafts and sent-back posts), in one query."""
    if not posts:
        return {}
    rows = db().execute(select(Delivery.post_id, func.min(Delivery.due_at)).where(
        Delivery.post_id.in_([p.id for p in posts]), Delivery.status != CANCELLED).group_by(Delivery.post_id))
    return dict(rows.all())


def _act(post_id: int, change, done: str, words=sentence):
    """Run one change to a post, flash what happened (a refusal in `words`) and go back to the post."""
    if ActionForm().validate_on_submit():
        try:
            change()
        except PostProblem as error:
            db().rollback()
            flash(words(error), "error")
        else:
            db().commit()
            flash(done, "success")
    return redirect(url_for("volunteer.post", post_id=post_id))


@blueprint.post("/posts/<int:post_id>/pause")
@roles(*STAFF)
def pause_post(post_id: int):
    """Hold a scheduled post back."""
    return _act(post_id, lambda: pause(db(), post_id, current_user.email), "The post is paused. Resume it when ready.")


@blueprint.post("/posts/<int:post_id>/resume")
@roles(*STAFF)
def resume_post(post_id: int):
    """Put a paused post back on the timetable."""
    return _act(post_id, lambda: resume(db(), config(), post_id, current_user.email), "The post is back on the timetable.")


@blueprint.get("/posts/<int:post_id>/cancel")
@roles(*STAFF)
def confirm_cancel(post_id: int):
    """Ask before cancelling, saying what will happen: what has not gone out never will, what has is deleted."""
    item = db().get(Post, post_id) or abort(404)
    # takedown says what deletion.request will touch, including a delivery whose outcome is unknown
    return render_template("post_cancel.html", post=item, action=ActionForm(), outcome=takedown.preview(db(), post_id),
                           waiting=[d for d in item.deliveries if d.status in takedown.WAITING], zoned=zoned)


@blueprint.post("/posts/<int:post_id>/cancel")
@roles(*STAFF)
def cancel_post(post_id: int):
    """Cancel what has not gone out yet, and take down from the networks what has."""
    return _act(post_id, lambda: cancel(db(), [post_id], current_user.email),
                "The post is cancelled; anything already published is being deleted from the networks.")


@blueprint.post("/posts/<int:post_id>/reschedule")
@roles(*STAFF)
def reschedule_post(post_id: int):
    """Move a post to the next free slot or to a chosen time."""
    form = RescheduleForm()
    if not form.validate_on_submit():
        flash("Please choose when it should go out.", "error")
        return redirect(url_for("volunteer.post", post_id=post_id))

    def change():
        reschedule(db(), config(), post_id, _moved_to(form), current_user.email)
    return _act(post_id, change, "The post has a new time.", _moving_words)


def _moved_to(form) -> str:
    """Where a reschedule form moves a post: a typed time always wins over "next free slot" (posts.chosen_when)."""
    return chosen_when(form.when.data, from_local(form.at.data))


def _moving_words(problem: PostProblem) -> str:
    """Say a refused move in the form's words (a time in the past, none typed), not the command line's."""
    return compose_words(problem, None)


# Settling by hand (admins): a delivery whose outcome is unknown, or that missed its time -------------------

def _settling(deliveries) -> dict:
    """The forms an admin uses to settle each needs-review or missed delivery, by delivery id."""
    if current_user.role != "admin":
        return {}
    return {d.id: (MarkPublishedForm(prefix=f"d{d.id}", meta={"csrf": False}),
                   RescheduleForm(prefix=f"d{d.id}", meta={"csrf": False}))
            for d in deliveries if d.status in settle.UNSETTLED}


def _delivery_or_404(post_id: int, delivery_id: int) -> Delivery:
    """The post's delivery with this id."""
    delivery = db().get(Delivery, delivery_id)
    if delivery is None or delivery.post_id != post_id:
        abort(404)
    return delivery


@blueprint.post("/posts/<int:post_id>/deliveries/<int:delivery_id>/mark-published")
@roles("admin")
def mark_published(post_id: int, delivery_id: int):
    """Record that a post needing checking is on the account, at the links an admin found there."""
    delivery = _delivery_or_404(post_id, delivery_id)
    form = MarkPublishedForm(prefix=f"d{delivery_id}", meta={"csrf": False})
    links = (form.links.data or "").splitlines()
    return _act(post_id, lambda: settle.mark_out(db(), config(), delivery, links, current_user.email),
                "It is marked as published; if the post is taken down, that link is deleted too.")


@blueprint.post("/posts/<int:post_id>/deliveries/<int:delivery_id>/retry")
@roles("admin")
def retry_delivery(post_id: int, delivery_id: int):
    """Send a post again now, after an admin checked that it is not on the account."""
    delivery = _delivery_or_404(post_id, delivery_id)
    answer = _act(post_id, lambda: settle.send_again(db(), delivery, current_user.email),
                  "It is back on the queue and goes out now.")
    wake_worker()
    return answer


@blueprint.post("/posts/<int:post_id>/deliveries/<int:delivery_id>/reschedule")
@roles("admin")
def reschedule_delivery(post_id: int, delivery_id: int):
    """Move a post needing checking or missed to the next free slot or a chosen time, on one account."""
    delivery = _delivery_or_404(post_id, delivery_id)
    form = RescheduleForm(prefix=f"d{delivery_id}", meta={"csrf": False})
    if not form.validate_on_submit():
        flash("Please choose when it should go out.", "error")
        return redirect(url_for("volunteer.post", post_id=post_id))

    def change():
        reschedule(db(), config(), post_id, _moved_to(form), current_user.email, account=delivery.account.name,
                   unsettled=True)
    return _act(post_id, change, "It is back on the queue at its new time.", _moving_words)
