"""`recovery-voice email test ADDRESS`: send a test email at once, saying plainly what went wrong."""

import logging
import sys

import click

from .config import ConfigError, load_config


@click.group("email")
def email_group():
    """Email: check that people can be sent invitations, password resets and notifications."""


@email_group.command("test")
@click.argument("address")
@click.option("--config", "config_path", metavar="PATH", help="Config file (default ./config.toml).")
@click.pass_context
def email_test_command(ctx: click.Context, address: str, config_path: str | None):
    """Send a test email to ADDRESS now (not through the outbox); exit 2 if it could not be sent."""
    from . import email_outbox, mailer

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("recovery_voice.email").setLevel(logging.INFO)  # console mode writes the email here
    try:
        config = load_config(config_path or ctx.find_root().params.get("config_path"))
    except ConfigError as error:
        _fail(str(error))
    if "@" not in address or any(char.isspace() for char in address):
        _fail(f"{address!r} is not an email address; give one like someone@example.org")
    try:
        email_outbox.send_test(config, address)
    except mailer.MailError as error:
        _fail(f"The test email was not sent: {error}.")
    if config.email.mode == "console":
        click.echo(f"[email] mode is \"console\": the test email to {address} was written to the log, not sent. "
                   "Set mode = \"smtp\" and the server's host, port and security to send real email.")
    else:
        click.echo(f"Sent a test email to {address} through {config.email.host}:{config.email.port}. "
                   "If it does not arrive, look in the spam folder.")


def _fail(message: str):
    """Say what went wrong in one line on stderr and exit 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)
