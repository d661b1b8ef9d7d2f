"""`recovery-voice users export|erase EMAIL`: an admin handling a person's request, sent by email, to have a copy of
everything held about them or to have it erased (the same as the web's "Your data" page does)."""

from pathlib import Path

import click
from sqlalchemy import func, select

from . import data_export, erasure
from .cli_commands import Context, command
from .db import transaction
from .models import User


@click.group("users")
def users_group():
    """People's data: give someone a copy of everything held about them, or erase their account."""


def _person(session, email: str) -> User:
    """The person who signs in with this email, or a plain error."""
    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower(),
                                             User.erased_at.is_(None)))
    if user is None:
        raise click.ClickException(f"nobody here signs in with {email}; check the address they use to sign in")
    return user


@command(users_group, "export")
@click.argument("email")
@click.option("--output", metavar="FILE", required=True, help="The zip file to write (it must not exist yet).")
def users_export_command(ctx: Context, email, output):
    """Write everything held about the person who signs in with EMAIL to a zip file."""
    target = Path(output)
    with ctx.sessions()() as session:
        user = _person(session, email)
        try:
            with target.open("xb") as file:
                data_export.write_archive(session, ctx.config, user, file)
        except FileExistsError:
            raise click.ClickException(f"{target} already exists; choose another name or move it first") from None
        except BaseException:
            target.unlink(missing_ok=True)  # never leave half an archive of someone's data behind
            raise
    click.echo(f"Wrote everything held about {email} to {target}. Send it to them safely (not as a plain "
               "attachment to an address you have not checked), then delete your copy.")


@command(users_group, "erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask to confirm (for scripts).")
def users_erase_command(ctx: Context, email, yes):
    """Erase the account of the person who signs in with EMAIL: their stories, photos and personal data."""
    with ctx.sessions()() as session:
        user = _person(session, email)
        reason, outcome = erasure.refusal(session, user), erasure.outcome(session, user)
    if reason is not None:
        raise click.ClickException(f"{email} cannot be erased: {reason}")
    if not yes:
        click.confirm(f"Erase the account of {email}? {_said(outcome)} This cannot be undone.", abort=True)
    with transaction(ctx.sessions()) as session:
        try:
            erasure.erase_account(session, ctx.config, _person(session, email))
        except erasure.ErasureRefused as refused:
            raise click.ClickException(f"{email} cannot be erased: {refused}") from None
    click.echo(f"Erased the account of {email}. The worker takes any published copies down from the networks; "
               "`recovery-voice log` shows each one go.")


def _said(outcome: erasure.Outcome) -> str:
    """What erasing will do, in one sentence."""
    words = [f"{_count(outcome.stories, 'story', 'stories')} and {_count(outcome.photos, 'photo', 'photos')} "
             "are deleted"]
    if outcome.published:
        words.append(f"{_count(outcome.published, 'published copy is', 'published copies are')} taken down "
                     "from the networks")
    if outcome.posts:
        words.append(f"{_count(outcome.posts, 'post they wrote stays', 'posts they wrote stay')} without their name")
    return "; ".join(words) + "."


def _count(number: int, one: str, many: str) -> str:
    """A number with its noun in the singular or the plural."""
    return f"{number} {one if number == 1 else many}"
