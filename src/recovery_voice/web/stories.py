"""Storyteller pages: write a story, see where it is, change it until it is shared, withdraw it at any time."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import anonymity, attachments, safeguarding, takedown, viewing
from ..models import STORY_PENDING, STORY_WITHDRAWN, User
from ..stories import (MAX_STORY, SIGNED, StoryDraft, StoryProblem, change_refusal, edit, final_digest, final_texts,
                       own_story, sign_off, signoff_state, status_words, stories_by, submit, withdraw)
from . import images
from .checking import annotated, fix_from_button, too_long
from .common import config, db, roles, sentence, wake_worker
from .forms import ActionForm, StoryForm, options

blueprint = Blueprint("stories", __name__, url_prefix="/stories")
STORYTELLER = ("storyteller",)
# The story form's own words for what stories.py refuses, by the field it names (the rule's words otherwise).
FIELD_WORDS = {
    "networks": "Tick at least one place where your story may be shared.",
    "consent_until": "Choose a date after today: we share your story only until the end of that day.",
    "shown_name": "Write the name you want shown, or choose “Anonymous: no name at all” above.",
    "naming": "Choose how you want to be named.",
}


def _form(story=None) -> StoryForm:
    """Build the story form with this organisation's networks, filled from a story when editing."""
    form = StoryForm(obj=story) if story is not None and request.method == "GET" else StoryForm()
    form.networks.choices = options((a.name, f"{a.name} ({a.platform})") for a in config().accounts)
    # A new story starts with no network ticked and no end date: consent is given, never assumed.
    return form


def _draft(form: StoryForm, photos: list) -> StoryDraft:
    """Turn the form and its photos into a story draft."""
    return StoryDraft(form.title.data, form.text.data, form.naming.data, form.shown_name.data,
                      list(form.networks.data or []), form.consent_until.data, form.content_warning.data, photos)


def _slots(story=None) -> list:
    """The photo slots: as sent (new files stored), or on first showing those the story has."""
    if request.method == "POST":
        return images.read_slots(config().media_dir, with_part=False)
    return images.slots_of(attachments.of_story(db(), story.id) if story is not None else [])


def _page(form: StoryForm, story, slots: list):
    """Show the story form with its photos, each alt text checked in the storyteller's voice."""
    images.check_alt(slots, "storyteller")
    limit, network = images.strictest(config().accounts, form.networks.data)
    return render_template("stories/form.html", form=form, story=story, slots=slots,
                           image_problems=images.problems(slots),
                           alt={"limit": limit, "network": network, "chosen": bool(form.networks.data)},
                           alt_limits=images.alt_limits(config().accounts),
                           findings=annotated(form.text.data or "", "storyteller", MAX_STORY) if form.text.data else [])


def _story_or_404(story_id: int):
    """Return the signed-in storyteller's own story; anyone else's is "not found", not "forbidden"."""
    story = own_story(db(), story_id, db().get(User, current_user.id))
    if story is None:
        abort(404)
    return story


def _handle(form: StoryForm, slots: list, save):
    """Run the form's button: apply a suggestion, check again, or save with `save`."""
    chosen = set(form.networks.data or [])
    photos = images.check_slots(slots, {a.name: a.platform for a in config().accounts if a.name in chosen})
    problem = too_long(form.text.data or "", MAX_STORY)
    if problem:  # before any check or save: the check's work grows with the text
        form.text.errors = [problem]
        return None
    if request.form.get("apply"):
        fixed = fix_from_button(form.text.data or "", "storyteller", request.form["apply"], MAX_STORY)
        if fixed is not None:
            form.text.data = fixed
        return None
    if request.form.get("action") != "save" or not form.validate() or images.problems(slots):
        return None
    try:
        story = save(_draft(form, photos))
    except StoryProblem as error:
        db().rollback()
        _show_problem(form, error)
        return None
    db().commit()
    return story


def _show_problem(form: StoryForm, error: StoryProblem) -> None:
    """Put a refusal beside the field it names, in this form's words; one naming no field goes at the top."""
    target = getattr(form, error.field, None) if error.field else None
    if target is None:
        form.form_errors.append(sentence(error))
        return
    target.errors = [*target.errors, FIELD_WORDS.get(error.field, sentence(error))]


@blueprint.get("")
@roles(*STORYTELLER)
def index():
    """List the storyteller's own stories and where each one is."""
    session = db()
    stories = stories_by(session, session.get(User, current_user.id))
    return render_template("stories/index.html", stories=[(s, status_words(session, s, config())) for s in stories])


@blueprint.route("/new", methods=["GET", "POST"])
@roles(*STORYTELLER)
def new():
    """Write a new story."""
    form, slots = _form(), _slots()
    if request.method == "POST":
        author = db().get(User, current_user.id)
        story = _handle(form, slots, lambda draft: submit(db(), config(), author, draft))
        if story is not None and safeguarding.in_crisis(story):
            return _to_support(story)
        if story is not None:
            flash("Thank you for sharing your story. Now read it below exactly as it will be published, and sign "
                  "it off if you agree: it can be approved only then.", "success")
            return redirect(url_for("stories.final", story_id=story.id))
    return _page(form, None, slots)


@blueprint.get("/<int:story_id>")
@roles(*STORYTELLER)
def show(story_id: int):
    """Show one of the storyteller's stories, with what they can do next."""
    story = _story_or_404(story_id)
    photos = [images.shown_row(row) for row in attachments.of_story(db(), story.id)]
    signed = signoff_state(db(), config(), story) if story.status != STORY_WITHDRAWN else None
    return render_template("stories/show.html", story=story, status=status_words(db(), story, config()),
                           changeable=change_refusal(db(), story) is None,
                           signoff=signed, signed=SIGNED, action=ActionForm(),
                           photos=photos, findings=annotated(story.text, "storyteller") if story.text else [],
                           seen_by=viewing.seen_by(db(), story.id), **_identifiers(story))


@blueprint.route("/<int:story_id>/edit", methods=["GET", "POST"])
@roles(*STORYTELLER)
def change(story_id: int):
    """Change a story; an approved one needs approval again afterwards."""
    story = _story_or_404(story_id)
    refusal = change_refusal(db(), story)
    if refusal is not None:  # said before they type anything, not after they save
        flash(sentence(refusal), "info")
        return redirect(url_for("stories.show", story_id=story.id))
    form, slots = _form(story), _slots(story)
    if request.method == "POST":
        saved = _handle(form, slots, lambda draft: edit(db(), config(), story, None, draft))
        if saved is not None and safeguarding.in_crisis(saved):
            return _to_support(saved)
        if saved is not None:
            flash("Your changes are saved. Read the new final text below and sign it off: the story can be "
                  "approved only then.", "success")
            return redirect(url_for("stories.final", story_id=story.id))
    return _page(form, story, slots)


@blueprint.get("/<int:story_id>/final-text")
@roles(*STORYTELLER)
def final(story_id: int):
    """Show exactly what each network the storyteller chose will receive, for them to sign off."""
    story = _story_or_404(story_id)
    if story.status == STORY_WITHDRAWN:
        return redirect(url_for("stories.show", story_id=story.id))
    texts = final_texts(db(), config(), story)
    photos = {row.position: images.shown_row(row) for row in attachments.of_story(db(), story.id)}
    return render_template("stories/final.html", story=story, texts=texts, photos=photos,
                           digest=final_digest(db(), config(), story, texts),
                           state=signoff_state(db(), config(), story),
                           signed=SIGNED, pending=STORY_PENDING, action=ActionForm(), **_identifiers(story))


@blueprint.post("/<int:story_id>/sign-off")
@roles(*STORYTELLER)
def sign_off_story(story_id: int):
    """Record the storyteller's sign-off of the final text they were shown (refused if it changed since)."""
    story = _story_or_404(story_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("stories.final", story_id=story.id))
    try:
        sign_off(db(), config(), story, request.form.get("version", 0, type=int), request.form.get("digest", ""))
    except StoryProblem as error:
        db().rollback()
        flash(sentence(error), "error")
        return redirect(url_for("stories.final", story_id=story.id))
    db().commit()
    flash("Thank you: you signed off your story's final text. It now waits for an admin's approval, and goes out "
          "exactly as you read it.", "success")
    return redirect(url_for("stories.show", story_id=story.id))


@blueprint.get("/<int:story_id>/withdraw")
@roles(*STORYTELLER)
def confirm_withdraw(story_id: int):
    """Ask the storyteller to confirm the withdrawal, saying what it will do on each network."""
    story = _story_or_404(story_id)
    if story.status == STORY_WITHDRAWN:
        flash("This story is already withdrawn.", "info")
        return redirect(url_for("stories.show", story_id=story.id))
    return render_template("stories/withdraw.html", story=story, outcome=takedown.preview(db(), story.post_id),
                           action=ActionForm())


@blueprint.post("/<int:story_id>/withdraw")
@roles(*STORYTELLER)
def withdraw_story(story_id: int):
    """Withdraw a story at once, once confirmed: nothing scheduled from it goes out."""
    story = _story_or_404(story_id)
    if request.form.get("confirm") != "yes" or not ActionForm().validate_on_submit():
        return redirect(url_for("stories.confirm_withdraw", story_id=story.id))  # asks first; nothing is done
    try:
        withdraw(db(), story, media_dir=config().media_dir)
    except StoryProblem as error:
        flash(sentence(error), "error")
    else:
        db().commit()
        flash("Your story is withdrawn and its words are erased. Nothing scheduled from it will go out, and "
              "anything already shared is being deleted from the networks.", "success")
    return redirect(url_for("stories.show", story_id=story.id))


def _to_support(story):
    """After saving words that suggest the storyteller may be at risk now: support first, at once."""
    wake_worker()  # under `serve`, the safeguarding email goes now, not at the next round
    return redirect(url_for("stories.support", story_id=story.id))


@blueprint.get("/<int:story_id>/support")
@roles(*STORYTELLER)
def support(story_id: int):
    """Where to get support now, the organisation's own contact first; the story is saved and waits for them."""
    story = _story_or_404(story_id)
    return render_template("stories/support.html", story=story, support=safeguarding.support(config()),
                           dial=safeguarding.dial,
                           in_crisis=story.status != STORY_WITHDRAWN and safeguarding.in_crisis(story))


def _identifiers(story) -> dict:
    """What in the story could help someone recognise the storyteller or others, for its pages (none once withdrawn)."""
    if story.status == STORY_WITHDRAWN or change_refusal(db(), story) is not None:
        return {"spots": [], "fellowship": None}
    found = anonymity.spots(db(), config(), story)
    return {"spots": anonymity.grouped(found), "fellowship": anonymity.fellowship_note(db(), story, found)}


@blueprint.post("/<int:story_id>/redact")
@roles(*STORYTELLER)
def redact(story_id: int):
    """Accept one suggested change that makes the storyteller (or someone they name) harder to recognise."""
    story = _story_or_404(story_id)
    back = url_for("stories.final" if request.form.get("back") == "final" else "stories.show", story_id=story.id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    try:
        spot = anonymity.redact(db(), config(), story, request.form.get("index", -1, type=int),
                                request.form.get("version", 0, type=int))
    except StoryProblem as error:
        db().rollback()
        flash(sentence(error), "error")
        return redirect(back)
    db().commit()
    if safeguarding.in_crisis(story):
        wake_worker()
    flash(f"Changed: “{spot.text}” is now “{spot.redaction}”. This is a new version of your story: read the final "
          "text again and sign it off when you are happy with it.", "success")
    return redirect(back)
