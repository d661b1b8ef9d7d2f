"""Sending one email: through an SMTP server (smtplib), or written to the log in console mode.

Every problem comes back as a MailError worded for a person (what failed: connecting, TLS, signing in,
the server refusing the address), marked retryable when waiting may fix it. No password is ever logged.
"""

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from .config import ConfigError
from .config import Email as EmailSettings
from .models import utcnow

log = logging.getLogger("recovery_voice.email")


class MailError(Exception):
    """An email could not be handed to the server, worded so that a person can act on it."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Outgoing:
    """What one email says and to whom, before it becomes a MIME message."""

    to: str
    subject: str
    text: str
    html: str | None
    message_id: str


def build(settings: EmailSettings, outgoing: Outgoing) -> EmailMessage:
    """Make the MIME message: a plain-text part, and an HTML alternative when there is one."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = outgoing.message_id  # the same on a resend, so mail clients fold the two
    message["Auto-Submitted"] = "auto-generated"  # tells auto-responders not to answer
    message.set_content(outgoing.text)
    if outgoing.html:
        message.add_alternative(outgoing.html, subtype="html")
    return message


def send(settings: EmailSettings, outgoing: Outgoing) -> None:
    """Send one email the configured way, raising MailError when it could not be handed over."""
    message = build(settings, outgoing)
    if settings.mode == "console":
        return _to_log(message)
    _send_smtp(settings, message)


def _to_log(message: EmailMessage) -> None:
    """Console mode: write the email to the log, as a fresh install has no mail server."""
    body = message.get_body(("plain",)).get_content()
    log.info("email (console mode, not sent) to %s, subject %r:\n%s", message["To"], message["Subject"], body)


def _send_smtp(settings: EmailSettings, message: EmailMessage) -> None:
    """Connect, secure, sign in and hand the message over; every smtplib error becomes a MailError."""
    try:
        password = settings.password()
    except ConfigError as error:
        raise MailError(str(error)) from None
    try:
        with _connect(settings) as server:
            if settings.username:
                server.login(settings.username, password or "")
            server.send_message(message)
    except MailError:
        raise
    except Exception as error:  # smtplib and ssl raise many kinds: each is named for a person below
        raise _plain(settings, error) from None


def _connect(settings: EmailSettings) -> smtplib.SMTP:
    """Open the connection the config asks for: TLS from the start, STARTTLS, or plain (loopback relays only)."""
    try:
        if settings.security == "tls":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=ssl.create_default_context())
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise _plain(settings, error) from None
    if settings.security == "starttls":
        # Made only for TLS: loading the system's certificates takes tens of milliseconds per email.
        _start_tls(settings, server, ssl.create_default_context())
    return server


def _start_tls(settings: EmailSettings, server: smtplib.SMTP, context: ssl.SSLContext) -> None:
    """Upgrade the connection to TLS, closing it if the server cannot."""
    try:
        server.starttls(context=context)
    except smtplib.SMTPNotSupportedError:
        server.close()
        raise MailError(f"the mail server {settings.host}:{settings.port} does not offer STARTTLS; set "
                        "[email] security = \"tls\" if it expects TLS from the start (usually port 465), or "
                        "\"none\" only for a relay on this machine") from None
    except Exception as error:
        server.close()
        raise _plain(settings, error) from None


def _plain(settings: EmailSettings, error: Exception) -> MailError:
    """Say in plain words what went wrong talking to the mail server, and whether waiting may help."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailError(f"the mail server {where} refused the username or password ({_reply(error)}); check "
                         "[email] username and the password in the variable password_env names")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # The server's words only: the address is on the email's row, and must not reach the log.
        refused = "; ".join(_reply_of(*answer) for answer in error.recipients.values())
        return MailError(f"the mail server {where} refused the address ({refused})", retryable=_temporary(error))
    if isinstance(error, smtplib.SMTPSenderRefused):
        return MailError(f"the mail server {where} refused the sender {error.sender} ({_reply(error)}); check "
                         "[email] from is an address this server may send as", retryable=_temporary(error))
    if isinstance(error, (ssl.SSLError, ssl.CertificateError)):
        return MailError(f"TLS with the mail server {where} failed ({error.__class__.__name__}: "
                         f"{getattr(error, 'reason', None) or error}); check [email] security (\"tls\" for port "
                         "465, \"starttls\" for 587) and that the server's certificate is valid for this host")
    if isinstance(error, (socket.timeout, TimeoutError)):
        return MailError(f"the mail server {where} did not answer within {settings.timeout:g} s")
    if isinstance(error, socket.gaierror):
        return MailError(f"the mail server's name {settings.host!r} could not be found; check [email] host")
    if isinstance(error, (ConnectionError, OSError)) and not isinstance(error, smtplib.SMTPException):
        return MailError(f"could not connect to the mail server {where} ({error.strerror or error}); check "
                         "[email] host and port, and that the server is running")
    if isinstance(error, smtplib.SMTPResponseException):
        return MailError(f"the mail server {where} said no ({_reply(error)})", retryable=_temporary(error))
    return MailError(f"the mail server {where} ended the conversation ({error.__class__.__name__}: {error})")


def _reply(error: smtplib.SMTPResponseException) -> str:
    """The server's reply code and words."""
    return _reply_of(error.smtp_code, error.smtp_error)


def _reply_of(code: int, words) -> str:
    """Format one SMTP reply as '550 no such user'."""
    text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
    return f"{code} {text}".strip()


def _temporary(error: smtplib.SMTPException) -> bool:
    """A 4xx reply means try again later; a 5xx one is final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= answer[0] < 500 for answer in error.recipients.values())
    return 400 <= getattr(error, "smtp_code", 400) < 500


def address_of(text: str) -> str:
    """The bare address in 'Name <address>' (or the text itself)."""
    return parseaddr(text)[1] or text
