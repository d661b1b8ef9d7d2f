"""`recovery-voice publishing pause|resume|status` and `recovery-voice blackout add|remove|list`.

The rules are pausing.py's; these commands only choose the command line's words.
"""

import functools
from datetime import date, datetime

import click

from . import pausing
from .cli_commands import Context, cli_actor, command
from .db import transaction
from .models import utcnow


def _plainly(function):
    """Show a pause or blackout problem as one line saying what to fix, exit 1."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except pausing.PauseProblem as problem:
            raise click.ClickException(str(problem)) from None
    return wrapper


def _local(ctx: Context, moment: datetime) -> str:
    """A UTC time in the organisation's zone, as the other commands show times."""
    return moment.astimezone(ctx.config.timezone).strftime("%a %d %b %Y %H:%M %Z")


def _day(text: str) -> date:
    """Read a DATE argument as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; give it like 2026-12-24") from None


@click.group("publishing")
def publishing_group():
    """Pause all publishing for the whole organisation, resume it, or see whether it is paused."""


@command(publishing_group, "pause")
@click.option("--reason", required=True, metavar="TEXT", help="Why, in words everyone signed in will see.")
@_plainly
def pause_command(ctx: Context, reason):
    """Pause all publishing now: nothing goes out until it is resumed; nothing is lost."""
    with transaction(ctx.sessions()) as session:
        pausing.pause(session, reason, cli_actor(), utcnow())
    click.echo("Publishing is paused: nothing will go out until `recovery-voice publishing resume`. A post "
               "already being sent when you paused finishes; posts can still be written, approved and "
               "scheduled, and takedowns still happen.")


@command(publishing_group, "resume")
@click.option("--send-now", is_flag=True, help="Send what fell due during the pause now, instead of moving it "
                                               "to the next free slots.")
@_plainly
def resume_command(ctx: Context, send_now):
    """Resume publishing, moving what fell due during the pause to the next free slots (or sending it now)."""
    now = utcnow()
    with transaction(ctx.sessions()) as session:
        moved = pausing.resume(session, ctx.config, cli_actor(), now, send_now=send_now)
    where = "goes out now" if send_now else "has moved to the next free slots"
    click.echo(f"Publishing has resumed. What fell due during the pause ({moved}, counting each account) {where}."
               if moved else "Publishing has resumed. Nothing fell due during the pause.")


@command(publishing_group, "status")
def status_command(ctx: Context):
    """Say whether publishing is paused, by whom, since when and why, and what is waiting."""
    now = utcnow()
    with ctx.sessions()() as session:
        current = pausing.in_force(session)
        held = pausing.held(session, now) if current else []
        who = pausing.paused_by(session, current) if current else None
        days = pausing.upcoming_days(session, now)
    if current is None:
        click.echo("Publishing is on.")
    else:
        click.echo(f"Publishing is paused since {_local(ctx, current.started_at)} by {who}: "
                   f"{current.reason}")
        for item in held:
            click.echo(f"  {item.account}: {item.count} waiting, the earliest due {_local(ctx, item.earliest)}")
    if days:
        click.echo(f"Next blackout day: {days[0].day:%a %d %b %Y}" + (f" ({days[0].reason})" if days[0].reason else ""))


@click.group("blackout")
def blackout_group():
    """Blackout days: days (in the organisation's time zone) when nothing goes out."""


@command(blackout_group, "add")
@click.argument("day", metavar="DATE")
@click.option("--reason", metavar="TEXT", default="", help="Why nothing goes out that day (at most 300 characters).")
@click.option("--keep", is_flag=True, help="Leave posts due that day at their times (they will not go out then) "
                                           "instead of moving them to the next free slots after it.")
@_plainly
def blackout_add_command(ctx: Context, day, reason, keep):
    """Make DATE (like 2026-12-24) a day when nothing goes out."""
    day = _day(day)
    with transaction(ctx.sessions()) as session:
        moved = pausing.add_day(session, ctx.config, day, reason, cli_actor(), utcnow(), move=not keep)
    click.echo(f"Nothing will go out on {day:%a %d %b %Y}.")
    if moved:
        click.echo(f"{moved} {'post' if moved == 1 else 'posts'} due that day moved to the next free slots after it.")


@command(blackout_group, "remove")
@click.argument("day", metavar="DATE")
@_plainly
def blackout_remove_command(ctx: Context, day):
    """Make DATE an ordinary day again (posts moved off it stay where they went)."""
    day = _day(day)
    with transaction(ctx.sessions()) as session:
        pausing.remove_day(session, day, cli_actor(), utcnow())
    click.echo(f"{day:%a %d %b %Y} is an ordinary day again.")


@command(blackout_group, "list")
def blackout_list_command(ctx: Context):
    """List the blackout days to come."""
    with ctx.sessions()() as session:
        days = pausing.upcoming_days(session, utcnow())
    if not days:
        click.echo("No blackout days to come.")
    for row in days:
        click.echo(f"{row.day.isoformat()}  {row.day:%a %d %b %Y}  {row.reason}".rstrip())
