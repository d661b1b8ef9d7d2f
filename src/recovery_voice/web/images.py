"""Images in the web forms: the four image slots of a post or story, read, stored and carried between tries.

The rules live in attachments.py; this door only reads the form, says what went wrong next to the right
field, and remembers images already stored in a hidden field signed for this person, so nobody can attach
another person's stored image by guessing its digest, and nobody has to attach a file twice.
"""

from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import attachments, media
from ..attachments import AttachmentProblem, NewImage
from ..models import PEOPLE_ANSWERS
from .checking import SEVERITY_WORDS, annotated

SLOTS = attachments.MAX_IMAGES
KEPT_SALT = "recovery-voice kept image"
KEPT_MAX_AGE = 12 * 3600  # as long as a session lasts: a form left open longer attaches its files again
# The request body of a form that takes images: four files at the 20 MB limit, and the form around them.
UPLOAD_BODY_LIMIT = SLOTS * media.MAX_UPLOAD_BYTES + 1_000_000
UPLOAD_ENDPOINTS = frozenset({"volunteer.compose", "stories.new", "stories.change"})


@dataclass
class Slot:
    """One image slot of a form: what was attached (if anything), what was said about it, and what is wrong."""

    position: int
    digest: str = ""
    mime: str = ""
    width: int = 0
    height: int = 0
    name: str = ""
    alt: str = ""
    decorative: bool = False
    people: str | None = None
    part: int | str = 1
    errors: dict = field(default_factory=dict)  # field ("file", "alt", "people", "part") -> message
    findings: list = field(default_factory=list)  # the language check of the alt text
    # (digest, its signed value): signed once, or the value the form brought back, so a page's image addresses
    # stay the same from one live preview to the next and the browser's copy is used.
    signed: tuple[str, str] | None = None

    @property
    def token(self) -> str:
        """The signed hidden value that carries this stored image to the next try."""
        if not self.digest:
            return ""
        if self.signed is None or self.signed[0] != self.digest:
            self.signed = (self.digest, kept_token(self.digest))
        return self.signed[1]

    @property
    def used(self) -> bool:
        """Whether the person did anything in this slot (an image, alt text or an answer)."""
        return bool(self.digest or self.alt.strip() or self.decorative or self.people or self.errors)

    def said(self, name: str) -> str:
        """A problem as a sentence; one that starts with a file's name keeps its case."""
        return said(self.errors[name])

    def attached(self) -> attachments.Attached:
        """The stored image with what was said about it."""
        return attachments.Attached(self.digest, self.mime, self.width, self.height, self.alt.strip(),
                                    self.decorative, self.people, int(self.part), self.name)


# ------------------------------------------------------------------ the signed hidden field


def _signer() -> URLSafeTimedSerializer:
    """The signer for kept images, keyed by the app's secret."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=KEPT_SALT)


def kept_token(digest: str) -> str:
    """A value naming a stored image that only the signed-in person can hand back."""
    return _signer().dumps({"user": current_user.id, "digest": digest})


def kept_digest(token: str) -> str | None:
    """The digest a kept-image value names, when it is genuine, recent and this person's; else None."""
    try:
        value = _signer().loads(token or "", max_age=KEPT_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(value, dict) or value.get("user") != current_user.id:
        return None
    digest = value.get("digest")
    return digest if isinstance(digest, str) and media.DIGEST.fullmatch(digest) else None


# ------------------------------------------------------------------ reading the form


def slots_of(rows) -> list[Slot]:
    """The slots of a post's or story's stored images (to change a story), then empty ones up to four."""
    slots = [_slot_from(attachments.Attached.of(row), position) for position, row in enumerate(rows, start=1)]
    return slots + [Slot(position) for position in range(len(slots) + 1, SLOTS + 1)]


def _slot_from(image: attachments.Attached, position: int) -> Slot:
    """A slot holding a stored image."""
    return Slot(position, image.digest, image.mime, image.width, image.height, image.name, image.alt,
                image.decorative, image.people, image.part)


def read_slots(media_dir, with_part: bool = True) -> list[Slot]:
    """Read the four slots from the request, storing newly attached files (without metadata) as they come.

    A file that is refused is not stored and its message goes next to its file field; a file that is fine is
    stored even when something else in the form needs changing, so it need not be attached again.
    """
    slots = [_read_slot(media_dir, position, with_part) for position in range(1, SLOTS + 1)]
    for index, slot in enumerate(slots):
        if request.form.get(f"image-{slot.position}-remove"):
            slots[index] = Slot(slot.position)  # removed, with what was said about it
            continue
        upload = request.files.get(f"image-{slot.position}-file")
        if upload is not None and upload.filename:
            _store_upload(media_dir, slot, upload)
    return slots


def _read_slot(media_dir, position: int, with_part: bool) -> Slot:
    """One slot's answers from the form, and the stored image its signed hidden field names, if genuine."""
    key = f"image-{position}-"
    people = request.form.get(key + "people")
    slot = Slot(position, alt=request.form.get(key + "alt", ""), decorative=bool(request.form.get(key + "decorative")),
                people=people if people in PEOPLE_ANSWERS else None,
                part=_part(request.form.get(key + "part")) if with_part else 1)
    token = request.form.get(key + "kept")
    if token:
        _keep(media_dir, slot, kept_digest(token))
        if slot.digest:
            slot.signed = (slot.digest, token)
    return slot


def _part(typed: str | None) -> int | str:
    """The thread part as a number when it is one (1 when left empty); else as typed, for its message."""
    text = (typed or "1").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else text


def _keep(media_dir, slot: Slot, digest: str | None) -> None:
    """Put a stored image back in its slot; a forged or stale value, or a file gone, asks for the file again."""
    try:
        stored = media.find_stored(media_dir, digest) if digest else None
    except OSError:  # the file is gone (or unreadable)
        stored = None
    if stored is None:
        slot.errors["file"] = (f"image {slot.position}: we no longer have the file you attached; "
                               "please attach it again")
        return
    slot.digest, slot.mime, slot.width, slot.height = stored.digest, stored.mime, stored.width, stored.height


def _store_upload(media_dir, slot: Slot, upload) -> None:
    """Store one uploaded file without its metadata (answers are checked apart), or say why it is refused."""
    data = upload.stream.read(media.MAX_UPLOAD_BYTES + 1)  # a limit before work: no more is read than is taken
    try:
        stored = attachments.store_one(media_dir, slot.position, NewImage(data, upload.filename))
    except AttachmentProblem as problem:
        slot.digest = ""
        slot.errors["file"] = str(problem)  # it names the file, and it is shown next to that image's field
        return
    slot.errors.pop("file", None)
    slot.digest, slot.mime, slot.width, slot.height = stored.digest, stored.mime, stored.width, stored.height
    slot.name = upload.filename


def check_slots(slots: list[Slot], platforms: dict[str, str]) -> list[attachments.Attached]:
    """Check each used slot's answers and alt length for the chosen accounts; return the images if all is well.

    Problems are put on the slots; the list returned holds only slots that have an image, in order.
    """
    for slot in slots:
        if slot.digest and not slot.errors:
            _check_one(slot, platforms)
        elif not slot.digest and (slot.alt.strip() or slot.people) and "file" not in slot.errors:
            slot.errors["file"] = (f"image {slot.position} has answers but no file: attach the file, "
                                   "or clear its alt text and answers")
    return [slot.attached() for slot in slots if slot.digest and not slot.errors]


def _check_one(slot: Slot, platforms: dict[str, str]) -> None:
    """Check one image's answers (attachments' rules), then its alt text against each chosen network."""
    part = slot.part if isinstance(slot.part, int) else -1
    try:
        attachments.check_answers(slot.position, slot.alt, slot.decorative, slot.people, part)
        attachments.check_networks([slot.attached()], platforms, start=slot.position)
    except AttachmentProblem as problem:
        slot.errors[problem.field] = str(problem)


def check_alt(slots: list[Slot], voice: str) -> None:
    """Run the language check on each slot's alt text, in the voice of whoever writes it."""
    for slot in slots:
        slot.findings = annotated(slot.alt, voice, attachments.MAX_ALT) if slot.alt.strip() else []


def problems(slots: list[Slot]) -> list[tuple[str, str]]:
    """(field id, message) of every problem, for the list at the top of the form."""
    return [(f"image-{slot.position}-{name}", said(message if message.startswith("image ") else
                                                  f"image {slot.position}, {message}"))
            for slot in slots for name, message in slot.errors.items()]


def said(message: str) -> str:
    """A message as a sentence: "image 2: ..." gets its capital, a file name keeps its case; a full stop ends it."""
    text = "I" + message[1:] if message.startswith("image ") else message
    return text if text.endswith(".") else text + "."


# ------------------------------------------------------------------ limits people are told


def alt_limits(accounts) -> dict[str, list]:
    """[the most alt text its network takes, its platform] for each account, by name (for the live count)."""
    return {account.name: [attachments.ALT_LIMITS.get(account.platform, attachments.MAX_ALT), account.platform]
            for account in accounts}


def strictest(accounts, chosen) -> tuple[int, str]:
    """The alt-text limit of the strictest chosen network, and that network's name."""
    picked = [a for a in accounts if a.name in set(chosen or ())] or list(accounts)
    if not picked:
        return attachments.MAX_ALT, "every network"
    account = min(picked, key=lambda a: attachments.ALT_LIMITS.get(a.platform, attachments.MAX_ALT))
    return attachments.ALT_LIMITS.get(account.platform, attachments.MAX_ALT), attachments.NETWORK_NAMES.get(
        account.platform, account.platform)


# ------------------------------------------------------------------ what pages show


def shown_slot(slot: Slot) -> dict:
    """A slot's image as the previews show it."""
    return {"position": slot.position, "url": url_for("media.kept", token=slot.token), "alt": slot.alt.strip(),
            "decorative": slot.decorative, "part": slot.part if isinstance(slot.part, int) else 1,
            "width": slot.width, "height": slot.height, "people": slot.people, "findings": slot.findings}


def shown_row(row) -> dict:
    """A stored image of a post or story as its pages show it, with the findings its alt text got."""
    findings = [{**finding, "label": SEVERITY_WORDS.get(finding["severity"], finding["severity"])}
                for finding in row.findings]
    return {**attachments.describe(row), "url": url_for("media.image", digest=row.digest), "findings": findings,
            "needs_alt": attachments.needs_alt(row), "people_words": attachments.PEOPLE_WORDS.get(row.people, "")}
