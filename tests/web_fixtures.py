"""Helpers for the web tests: an app with people of every role, signed-in test clients and a live server."""

import re
import threading
from functools import cache

import waitress
from argon2 import PasswordHasher

from recovery_voice.db import transaction
from recovery_voice.models import User
from recovery_voice.web import create_app

PASSWORD = "a long enough password"
PEOPLE = {"storyteller": "sam@example.org", "other_storyteller": "alex@example.org",
          "volunteer": "val@example.org", "admin": "ada@example.org"}


@cache
def password_hash() -> str:
    """PASSWORD hashed once for the run, as argon2id at its lowest cost.

    Checking a password uses the cost written in its hash, so each of the suite's hundreds of sign-ins takes a
    millisecond instead of a sixth of a second on both cores. The people the app itself makes (init --admin,
    invitations, resets) get users.hash_password's full cost, which test_auth.py checks.
    """
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def make_people(sessions) -> dict[str, int]:
    """Create one person per role (and a second storyteller), returning their ids.

    The rows are those create_or_update_user makes (its own tests are in test_auth.py), with the hash made once.
    """
    ids = {}
    with transaction(sessions) as session:
        for key, email in PEOPLE.items():
            role = "storyteller" if "storyteller" in key else key
            user = User(email=email, display_name=email.split("@")[0], session_generation=0,
                        password_hash=password_hash(), role=role)
            session.add(user)
            session.flush()
            ids[key] = user.id
    return ids


def make_app(project, sessions, scheduler=None, **settings):
    """Build the app for a test project with a fixed secret."""
    app = create_app(project.config, sessions, scheduler, secret_key="test secret that is long enough")
    app.config.update(settings)
    return app


def csrf_from(html: str) -> str:
    """Pull the CSRF token out of a page."""
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def sign_in(client, who: str):
    """Sign a test client in as one of PEOPLE."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": PEOPLE[who], "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


class LiveServer:
    """The app served by waitress on a free loopback port, in a thread."""

    def __init__(self, app):
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        """Run waitress until closed; closing its socket from another thread ends the loop with EBADF."""
        try:
            self.server.run()
        except OSError:
            pass

    def close(self):
        """Stop serving and wait for the loop to end."""
        self.server.close()
        self.thread.join(timeout=5)
