"""The forms: every one a Flask-WTF form, so every POST carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import NAMINGS
from ..posts import LATEST_YEAR
from ..stories import NAMING_LABELS
from ..users import MIN_PASSWORD, ROLES


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into SelectChoice objects (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def before_latest_year(_form, field) -> None:
    """Refuse a date so far ahead it cannot be turned into a moment (posts.LATEST_YEAR bounds every time)."""
    if field.data is not None and field.data.year >= LATEST_YEAR:
        raise ValidationError(f"Choose a date before the year {LATEST_YEAR}")


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[InputRequired("Enter your current password")])
    new = PasswordField(f"New password (at least {MIN_PASSWORD} characters)", validators=[
        InputRequired("Choose a new password"), Length(min=MIN_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters")])
    confirm = PasswordField("New password again", validators=[EqualTo("new", "The two new passwords are not the same")])


class AcceptInviteForm(FlaskForm):
    display_name = StringField("Your name, as others here will see it", validators=[
        InputRequired("Tell us what to call you"), Length(max=200)])
    password = PasswordField(f"Choose a password (at least {MIN_PASSWORD} characters)", validators=[
        InputRequired("Choose a password"), Length(min=MIN_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters")])
    confirm = PasswordField("Password again", validators=[EqualTo("password", "The two passwords are not the same")])


class InviteForm(FlaskForm):
    # users.invite checks the address itself, so no extra email-validation package is needed.
    email = EmailField("Their email address", validators=[InputRequired("Enter an email address")])
    role = SelectField("What they will do", choices=options((r, r.capitalize()) for r in ROLES))


class StoryForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Give your story a title"), Length(max=200)])
    text = TextAreaField("Your story", validators=[InputRequired("Write your story here"), Length(max=10000)])
    naming = RadioField("How do you want to be named?", choices=options((n, NAMING_LABELS[n]) for n in NAMINGS),
                        default="first_name", validators=[InputRequired("Choose how you want to be named")])
    shown_name = StringField("The name to show (leave empty if anonymous)", validators=[Optional(), Length(max=100)])
    networks = CheckboxesField("Where may we share it?", validators=[InputRequired("Choose at least one place")])
    consent_until = DateField("You agree we may share it until", validators=[InputRequired("Choose a date"),
                                                                            before_latest_year])
    content_warning = StringField("Content warning (optional)", validators=[Optional(), Length(max=500)])


class ComposeForm(FlaskForm):
    """The parts of a post every compose form has; template fields are added per template."""

    text = TextAreaField("Your post", validators=[Optional(), Length(max=20000)])
    accounts = CheckboxesField("Where it goes", validators=[InputRequired("Choose at least one account")])
    when = RadioField("When", choices=options([("next-slot", "The next free slot in the timetable"),
                                               ("at", "At a time I choose")]), default="next-slot")
    at = DateTimeLocalField("Date and time", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    content_warning = StringField("Content warning (optional)", validators=[Optional(), Length(max=500)])


class RescheduleForm(FlaskForm):
    when = RadioField("Move it to", choices=options([("next-slot", "The next free slot"), ("at", "A time I choose")]),
                      default="next-slot")
    at = DateTimeLocalField("Date and time", format="%Y-%m-%dT%H:%M", validators=[Optional()])


class MarkPublishedForm(FlaskForm):
    links = TextAreaField("Its link on the account (for a thread, one link per line, in order)",
                          validators=[Optional(), Length(max=50000)])


class ApproveForm(FlaskForm):
    override_reason = TextAreaField("Why it should go out as it is (needed for a language error, or an image without alt text)",
                                    validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    reason = TextAreaField("What should change (the author will see this)", validators=[
        InputRequired("Say what should change"), Length(min=10, max=2000, message="Say it in a sentence")])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=options((r, r.capitalize()) for r in ROLES))


class SlotForm(FlaskForm):
    # The weekday travels as "0".."6" and comes back as an int; the time is local to the organisation.
    weekday = SelectField("Day", coerce=int, choices=options((str(i), day) for i, day in enumerate(DAY_NAMES)),
                          validators=[InputRequired("Choose a day")])
    at = TimeField("Time (24-hour, like 09:30)", validators=[InputRequired("Choose a time, like 09:30")])


class RemoveSlotForm(FlaskForm):
    slot = StringField("Slot", validators=[InputRequired()])
