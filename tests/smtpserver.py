"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the email tests.

It can demand a username and password, refuse an address for good (550), and stall before answering
DATA (as a slow or hung server would), so tests can stop a worker mid-send.
"""

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted: its envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        """The plain-text part."""
        return self.message.get_body(("plain",)).get_content()


@dataclass
class Handler:
    """Keeps each message; refuses the addresses in `refuse`; stalls `stall` seconds before answering DATA."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    stall: float = 0.0
    data_started: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept an address unless told to refuse it for good."""
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message (even one whose sender hangs up while we stall), then answer."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        self.data_started.set()
        if self.stall:
            import asyncio

            await asyncio.sleep(self.stall)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1, started and stopped by the test (stopping it makes the port refuse connections)."""

    def __init__(self, port: int | None = None, username: str | None = None, password: str | None = None):
        self.port = port or free_port()
        self.handler = Handler()
        self.username, self.password = username, password
        self.controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept only the configured username and password."""
        good = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username
                and auth_data.password.decode() == self.password)
        return AuthResult(success=good, handled=False)

    def start(self) -> "SMTPServer":
        """Listen on the port (again, after a stop)."""
        options = {}
        if self.username:
            options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start() is called again."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        """Every message accepted so far."""
        return self.handler.received

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least `count` messages have arrived, and return them all."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def config(self, **extra) -> str:
        """The [email] TOML for sending through this server."""
        settings = {"mode": "smtp", "host": "127.0.0.1", "port": self.port, "security": "none",
                    "from": "Test Recovery Community <news@test.example>", "site_url": "http://rv.test", **extra}
        lines = ["[email]"] + [f"{key} = {value!r}".replace("'", '"') for key, value in settings.items()]
        return "\n".join(lines) + "\n"
