"""The command line's commands that work on the database: init, serve, worker, queue, posts, log, accounts, templates.

cli.py loads this module only when one of them is asked for (`check` needs none of it).
"""

import errno
import functools
import getpass
import json
import logging
import os
import re
from datetime import datetime, timedelta, timezone

import click
from sqlalchemy import func, select

from . import approvals, attachments, logbook, settle
from . import viewing
from .accounts import check_account, list_accounts, sync_accounts
from .compose import THEMES, TemplateProblem, load_templates
from .config import ConfigError, load_config
from .db import DatabaseError, check_schema, make_engine, session_factory, transaction, upgrade
from .cli_images import IMAGE_HELP, BadInput, ImageOptions, read_cli_image
from .intake import MediaFolderProblem, add_post, import_queue
from .models import PEOPLE_ANSWERS, POST_STATUSES, Post, User, utcnow
from .posts import RESCHEDULABLE, Draft, PostProblem, cancel, list_posts, reschedule
from .review import approve, reject
from .users import UserProblem, create_or_update_user

KNOWN_PROBLEMS = (ConfigError, DatabaseError, MediaFolderProblem, PostProblem, TemplateProblem, UserProblem)
class Context:
    """What every command needs: the config and, on demand, the database."""

    def __init__(self, config_path: str | None):
        self.config = load_config(config_path)
        self.engine = make_engine(self.config.database_url, self.config.busy_timeout)
        self._sessions = None

    def sessions(self):
        """Return a session maker, checking first that the schema is current."""
        if self._sessions is None:
            check_schema(self.engine)
            self._sessions = session_factory(self.engine)
        return self._sessions


def command(group, *args, **kwargs):
    """Declare a command (of a group, or None for one of the root's) taking --config, with our errors shown plainly."""
    maker = click.command if group is None else group.command

    def decorate(function):
        @maker(*args, **kwargs)
        @click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
        @click.pass_context
        @functools.wraps(function)
        def wrapper(ctx, config_path, **params):
            logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            try:
                return function(Context(config_path or ctx.find_root().params.get("config_path")), **params)
            except KNOWN_PROBLEMS as error:
                raise click.ClickException(str(error)) from None
        return wrapper
    return decorate


def log_progress() -> None:
    """Let the long-running commands say what they do, without APScheduler's every wake-up."""
    logging.getLogger("recovery_voice").setLevel(logging.INFO)
    logging.getLogger("waitress").setLevel(logging.INFO)


def cli_actor() -> str:
    """Name the person using the command line, for the log."""
    return os.environ.get("RECOVERY_VOICE_USER") or f"{getpass.getuser()} (command line)"


@command(None, "init")
@click.option("--admin", metavar="EMAIL", help="Create (or reset) an admin with this email.")
def init_command(ctx: Context, admin):
    """Create the database or upgrade it to this version."""
    upgrade(ctx.engine, ctx.config.timezone)
    sessions = ctx.sessions()
    with transaction(sessions) as session:
        sync_accounts(session, ctx.config)
    click.echo(f"Database ready: {ctx.engine.url.render_as_string(hide_password=True)}")
    if admin:
        password = os.environ.get("RECOVERY_VOICE_ADMIN_PASSWORD") or click.prompt(
            "Password for " + admin, hide_input=True, confirmation_prompt=True)
        with transaction(sessions) as session:
            user = create_or_update_user(session, admin, password, "admin")
        click.echo(f"Admin {user.email} can sign in.")
    else:
        with sessions() as session:
            if not session.scalar(select(func.count()).where(User.role == "admin")):
                click.echo("No one can sign in to the web app yet: run `recovery-voice init --admin YOUR-EMAIL`.")


@command(None, "serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Web request threads.")
@click.option("--no-worker", is_flag=True, help="Serve the web app only (run `worker` processes separately).")
def serve_command(ctx: Context, host, port, threads, no_worker):
    """Run the web app and the publishing worker in one process."""
    import waitress

    from .web import create_app, server_settings, web_sessions
    from .timer import Watchdog, make_scheduler
    from .worker import Worker

    log_progress()
    sessions = ctx.sessions()
    scheduler = None if no_worker else make_scheduler(Worker(ctx.config, sessions), blocking=False)
    app = create_app(ctx.config, web_sessions(ctx.config), scheduler)
    # Bound before anything starts or says "running": a busy port is told in one line, with nothing to stop.
    server = _bind(waitress, app, host, port, threads=threads, **server_settings())
    if scheduler:
        scheduler.start()
        watchdog = Watchdog(scheduler).start()  # a dead timer thread is restarted, not left silent
    click.echo(f"recovery-voice is running at http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler:
            watchdog.stop()
            scheduler.shutdown(wait=True)


def _bind(waitress, app, host: str, port: int, **settings):
    """Open the web server's socket, or say in one line why it cannot be opened and exit 2."""
    try:
        return waitress.create_server(app, host=host, port=port, **settings)
    except OSError as error:
        reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
        click.echo(f"Error: port {port} on {host} {reason}: stop what is using it, or choose another with "
                   "--port.", err=True)
        raise SystemExit(2) from None


@command(None, "worker")
@click.option("--once", is_flag=True, help="Publish what is due now, then exit.")
def worker_command(ctx: Context, once):
    """Run the publishing worker alone (several may run against PostgreSQL)."""
    from .timer import run_forever
    from .worker import Worker

    log_progress()
    worker = Worker(ctx.config, ctx.sessions())
    if once:
        count = worker.run_round()
        if count is None:
            raise click.ClickException(worker.stopped or worker.outage.message)
        click.echo(f"Attempted {count} deliveries.")
        return
    run_forever(worker)  # survives database outages and restarts its timer if it ever dies


@click.group("queue")
def queue_group():
    """Queue files (queue/*.toml)."""


@command(queue_group, "import")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def queue_import_command(ctx: Context, directory):
    """Import post files from the queue folder (default queue/)."""
    result = import_queue(ctx.sessions(), ctx.config, directory, actor=cli_actor())
    for name, post_id in result.imported:
        click.echo(f"imported {name} as post {post_id} (waiting for approval)")
        _echo_findings(ctx, post_id)
    for name, post_id in result.already:
        click.echo(f"{name} was already imported as post {post_id}; moved to imported/")
    for name, error in result.rejected:
        click.echo(f"rejected {name}: {error}", err=True)
    for name, reason in result.skipped:
        click.echo(f"skipped {name}: {reason}", err=True)
    for name, reason in result.stuck:
        click.echo(f"left in the queue {name}: {reason}", err=True)
    if not (result.imported or result.already or result.rejected or result.skipped or result.stuck):
        click.echo("No queue files to import.")
    if result.rejected or result.stuck:
        raise click.ClickException(f"{len(result.rejected)} file(s) rejected (see queue/rejected/*.error.txt), "
                                   f"{len(result.stuck)} left in the queue")


@click.group("posts")
def posts_group():
    """Add, list, approve, reject, cancel and reschedule posts; settle those that need checking."""


@command(posts_group, "add", cls=ImageOptions, epilog=IMAGE_HELP)
@click.option("--text", metavar="TEXT", help="The post in your own words.")
@click.option("--template", metavar="NAME", help="A template (see `templates list`), filled with --var.")
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE", help="A template field; repeat for each.")
@click.option("--account", "accounts", multiple=True, metavar="NAME", help="An account; repeat for more (default all).")
@click.option("--when", default="next-slot", show_default=True, metavar="WHEN",
              help='"next-slot", or a time with its offset, like 2026-05-01T09:30:00+01:00.')
@click.option("--theme", type=click.Choice(THEMES), help="The CHIME theme (a template brings its own).")
@click.option("--content-warning", metavar="TEXT", help="A content warning shown before the post.")
@click.option("--image", multiple=True, expose_value=False, metavar="PATH", help="An image file (up to 4).")
@click.option("--alt", multiple=True, expose_value=False, metavar="TEXT", help="The alt text of the --image before.")
@click.option("--decorative", is_flag=True, expose_value=False, help="The --image before is only decoration.")
@click.option("--people", multiple=True, expose_value=False, type=click.Choice(PEOPLE_ANSWERS),
              help="Could anyone be recognised in the --image before: none, or agreed.")
@click.option("--part", multiple=True, expose_value=False, type=click.IntRange(1, 100), metavar="N",
              help="The thread part the --image before goes on.")
def posts_add_command(ctx: Context, text, template, variables, accounts, when, theme, content_warning, images):
    """Queue a post (waiting for approval), with text or a template, and images with their alt text."""
    draft = _cli_draft(text, template, variables, accounts, when, theme, content_warning)
    if len(images) > attachments.MAX_IMAGES:
        raise BadInput(f"attach at most {attachments.MAX_IMAGES} images, not {len(images)}; drop some --image")
    new = [read_cli_image(position, image) for position, image in enumerate(images, start=1)]
    try:
        post_id = add_post(ctx.sessions(), ctx.config, draft, new, cli_actor(), "command line")
    except (PostProblem, TemplateProblem) as error:
        raise BadInput(str(error)) from None
    click.echo(f"queued post {post_id} (waiting for approval)")
    _echo_findings(ctx, post_id)


def _cli_draft(text, template, variables, accounts, when, theme, content_warning) -> Draft:
    """The draft the options describe, refusing text and a template together, or --var without a template."""
    if (text is None) == (template is None):
        raise BadInput("give --text TEXT, or --template NAME with its --var KEY=VALUE fields (one of them)")
    if variables and not template:
        raise BadInput("--var fills a template's fields; use it with --template NAME")
    values = {}
    for variable in variables:
        key, equals, value = variable.partition("=")
        if not equals or not key.strip():
            raise BadInput(f"--var {variable!r}: write KEY=VALUE, like --var name=Sam")
        values[key.strip()] = value
    return Draft(text=text, template=template, values=values if template else None,
                 accounts=list(accounts) or None, when=when, theme=theme, content_warning=content_warning)


def _echo_findings(ctx: Context, post_id: int) -> None:
    """Print what the language check found in a new post's text and its images' alt text."""
    with ctx.sessions()() as session:
        post = session.get(Post, post_id)
        lines = [f"  {f['severity']}: \"{f['text']}\" ({f['rule']}): {f['message']}" for f in post.findings]
        for row in attachments.of_post(session, post_id):
            if attachments.needs_alt(row):
                lines.append(f"  error: image {row.position} has no alt text: people who cannot see it need one "
                             "(approving it without one needs --override-reason)")
            lines += [f"  {f['severity']}: \"{f['text']}\" in image {row.position}'s alt text ({f['rule']}): "
                      f"{f['message']}" for f in row.findings]
    click.echo("\n".join(lines) if lines else "  the language check found nothing to change")


@command(posts_group, "list")
@click.option("--status", type=click.Choice(POST_STATUSES))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def posts_list_command(ctx: Context, status, fmt):
    """List posts, soonest first."""
    with ctx.sessions()() as session:
        rows = list_posts(session, status)
        if viewing.read_listed(session, [r["id"] for r in rows], cli_actor()):  # stories' words: their tellers see
            session.commit()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No posts.")
        return
    cells = [[str(r["id"]), r["status"], _local(ctx, r["due_at"]), ",".join(r["accounts"]),
              r["worst_finding"] or "", _image_count(r["images"]), logbook.shorten(r["text"], 50)] for r in rows]
    click.echo(logbook.format_table(("id", "status", "due", "accounts", "language", "images", "text"), cells))


def _image_count(images: list[dict]) -> str:
    """How many images a post has, and how many of them still need alt text."""
    missing = sum(1 for image in images if not image["alt"].strip() and not image["decorative"])
    return f"{len(images)} ({missing} without alt text)" if missing else str(len(images) or "")


def _local(ctx: Context, iso: str | None) -> str:
    """Show a UTC time in the organisation's time zone."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ctx.config.timezone)
    return moment.strftime("%a %d %b %Y %H:%M %Z")


@command(posts_group, "approve")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--override-reason", metavar="TEXT", help="Why a post with a language error should go out anyway.")
def posts_approve_command(ctx: Context, ids, override_reason):
    """Approve posts so they go out at their time."""
    with transaction(ctx.sessions()) as session:
        posts = approve(session, ctx.config, list(ids), cli_actor(), override_reason)
        for post in posts:
            if approvals.waits_for_second(post):
                click.echo(f"post {post.id}: {approvals.first_words(session, post)} The other admins are told.")
                continue
            due = min(d.due_at for d in post.deliveries)
            click.echo(f"approved post {post.id}: goes out {_local(ctx, due.isoformat())}")


@command(posts_group, "reject")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--reason", required=True, metavar="TEXT", help="Why, in words the author will see.")
def posts_reject_command(ctx: Context, ids, reason):
    """Reject posts waiting for approval."""
    with transaction(ctx.sessions()) as session:
        for post in reject(session, list(ids), cli_actor(), reason):
            click.echo(f"rejected post {post.id}")


@command(posts_group, "cancel")
@click.argument("ids", nargs=-1, required=True, type=int)
def posts_cancel_command(ctx: Context, ids):
    """Cancel posts that have not gone out yet."""
    with transaction(ctx.sessions()) as session:
        for post in cancel(session, list(ids), cli_actor()):
            click.echo(f"cancelled post {post.id} (now {post.status})")


@command(posts_group, "reschedule")
@click.argument("post_id", metavar="ID", type=int)
@click.option("--when", default="next-slot", show_default=True, metavar="WHEN",
              help='"next-slot", or a time with its offset, like 2026-05-01T09:30:00+01:00.')
@click.option("--account", metavar="NAME", help="Move only the post's delivery to this account.")
def posts_reschedule_command(ctx: Context, post_id, when, account):
    """Move a post that has not gone out (or was missed, or needs checking) to a new time."""
    with transaction(ctx.sessions()) as session:
        post = reschedule(session, ctx.config, post_id, when, cli_actor(), account=account, unsettled=True)
        session.expire_all()
        for delivery in post.deliveries:
            if delivery.status in RESCHEDULABLE and account in (None, delivery.account.name):
                click.echo(f"post {post.id} on {delivery.account.name}: goes out "
                           f"{_local(ctx, delivery.due_at.isoformat())}")


@command(posts_group, "retry")
@click.argument("post_id", metavar="ID", type=int)
@click.option("--account", metavar="NAME", help="The account (needed when the post goes to several).")
def posts_retry_command(ctx: Context, post_id, account):
    """Send a post that needs checking (you looked: it is not on the account) or was missed again now."""
    with transaction(ctx.sessions()) as session:
        delivery = settle.send_again(session, settle.find_delivery(session, post_id, account), cli_actor())
        click.echo(f"post {post_id} on {delivery.account.name}: back on the queue, goes out at the worker's "
                   f"next round (attempts so far: {delivery.attempts})")


@command(posts_group, "mark-published")
@click.argument("post_id", metavar="ID", type=int)
@click.option("--account", metavar="NAME", help="The account (needed when the post goes to several).")
@click.option("--url", "urls", multiple=True, required=True, metavar="URL",
              help="Its link on the network; for a thread, one --url per part not yet recorded, in order.")
def posts_mark_published_command(ctx: Context, post_id, account, urls):
    """Record that a post needing checking is on the account, at its link, so it can be deleted later."""
    with transaction(ctx.sessions()) as session:
        delivery = settle.mark_out(session, ctx.config, settle.find_delivery(session, post_id, account),
                                   list(urls), cli_actor())
        click.echo(f"post {post_id} on {delivery.account.name}: marked as published at {delivery.remote_url}")


@command(None, "log")
@click.option("--since", metavar="WHEN", help="A time (2026-05-01, 2026-05-01T09:00+01:00) or an age (30m, 24h, 7d).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def log_command(ctx: Context, since, fmt):
    """Show the publishing log."""
    moment = parse_since(since, ctx.config.timezone) if since else None
    with ctx.sessions()() as session:
        rows = logbook.entries(session, moment)
        names = logbook.display_names(session, rows)  # "user N" shown with the person's name, or as erased
    if fmt == "table":
        click.echo(logbook.to_table(rows, ctx.config.timezone, names))
    else:
        click.echo({"csv": logbook.to_csv, "json": logbook.to_json}[fmt](rows, names), nl=fmt != "csv")


def parse_since(value: str, tz) -> datetime:
    """Parse --since as an age like 24h or an ISO date or time (local time when no offset)."""
    age = re.fullmatch(r"(\d+)\s*([mhdw])", value.strip())
    if age:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[age.group(2)]
        return utcnow() - timedelta(**{unit: int(age.group(1))})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use a time like 2026-05-01 or 2026-05-01T09:00, or an age like 24h",
                                 param_hint="--since") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(timezone.utc)


@click.group("accounts")
def accounts_group():
    """The social accounts posts go to."""


@command(accounts_group, "list")
def accounts_list_command(ctx: Context):
    """List accounts and their state."""
    with transaction(ctx.sessions()) as session:
        rows = list_accounts(session, ctx.config)
    cells = [[r["name"], r["platform"], _state(r), r["where"], logbook.shorten(r["last_error"], 50)] for r in rows]
    click.echo(logbook.format_table(("name", "platform", "state", "where", "last error"), cells))


def _state(account: dict) -> str:
    """An account's state, with the time its rate limit resets when it is waiting for one."""
    if account["waiting_until"] and account["state"] == "ok":
        return f"waiting until {account['waiting_until'][11:19]} UTC (rate limit)"
    return account["state"]


@command(accounts_group, "check")
@click.argument("name", required=False)
def accounts_check_command(ctx: Context, name):
    """Verify account credentials without posting."""
    names = [name] if name else [a.name for a in ctx.config.accounts]
    failures = 0
    for account in names:
        with transaction(ctx.sessions()) as session:
            ok, message = check_account(session, ctx.config, account, ctx.config.worker.request_timeout)
        failures += not ok
        click.echo(f"{account}: {'ok' if ok else 'PROBLEM'}: {message}")
    if failures:
        raise click.ClickException(f"{failures} account(s) need attention")


@click.group("templates")
def templates_group():
    """Post templates (templates/*.j2)."""


@command(templates_group, "list")
def templates_list_command(ctx: Context):
    """List the post templates with their theme and fields."""
    for template in load_templates(ctx.config.templates_dir):
        fields = ", ".join(f.name + ("" if f.required else "?") for f in template.fields)
        click.echo(f"{template.name} ({template.theme}): {template.description}\n  fields: {fields}")
