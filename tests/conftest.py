"""Shared fixtures: a project folder with its own config, SQLite file, queue and outbox."""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import make_url

from recovery_voice.config import load_config
from recovery_voice.db import make_engine, session_factory, upgrade

from browser import chromium  # noqa: F401 (one browser per test process, for every file that uses it)
from ci import in_ci, skip_summary
from pgserver import RUNNING, PostgresServer, find_bindir

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"


class Project:
    """A throwaway installation: config.toml, database, queue folder and outbox in one folder."""

    def __init__(self, root: Path, database_url: str | None = None):
        self.root = root
        self.database_url = database_url or f"sqlite:///{root / 'rv.db'}"
        self.engines = []
        self.queue = root / "queue"
        self.queue.mkdir()
        self.outbox = root / "outbox.jsonl"
        self.config_path = root / "config.toml"
        self.write_config()

    def write_config(self, extra: str = "", accounts: str | None = None, slots='["Mon 09:30", "Thu 18:00"]'):
        """Write config.toml; `extra` adds TOML, `accounts` replaces the outbox account."""
        if accounts is None:
            accounts = f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "{self.outbox}"\n'
        self.config_path.write_text(textwrap.dedent(f"""\
            [organisation]
            name = "Test Recovery Community"
            timezone = "Europe/London"
            [database]
            url = "{self.database_url}"
            [timetable]
            slots = {slots}
            [templates]
            dir = "{TEMPLATES}"
            [queue]
            dir = "{self.queue}"
            """) + textwrap.dedent(extra) + "\n" + accounts)
        self._config = None
        return self

    @property
    def config(self):
        """The loaded config (reloaded after write_config)."""
        if self._config is None:
            self._config = load_config(str(self.config_path))
        return self._config

    def init_db(self):
        """Create the database and return a session maker (a new database is a copy of one migrated earlier)."""
        copy_migrated(self.config.database_url)
        engine = make_engine(self.config.database_url)
        self.engines.append(engine)
        upgrade(engine)
        self.sessions = session_factory(engine)
        return self.sessions

    def queue_file(self, name: str, body: str) -> Path:
        """Write a queue file."""
        path = self.queue / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        settled = time.time() - 60  # as if written a minute ago, so the import need not wait for it to settle
        os.utime(path, (settled, settled))
        return path

    def outbox_lines(self) -> list[dict]:
        """Return what the outbox holds."""
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text(encoding="utf-8").splitlines()]

    def cli(self, *args, input=None, env=None, check=False):
        """Run the real recovery-voice command in this folder, as a person would."""
        full_env = {**os.environ, "RECOVERY_VOICE_USER": "sam@example.org", **(env or {})}
        result = subprocess.run(
            [sys.executable, "-m", "recovery_voice", *args, "--config", str(self.config_path)],
            cwd=self.root, input=input, capture_output=True, text=True, env=full_env, timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result


_sqlite_template: list[Path] = []  # the SQLite file migrated once in this process


def migrate(url: str) -> None:
    """Run every migration on a database, as the application does on first start."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # SQLite folds its WAL back into the file when the last connection closes


def copy_migrated(url: str) -> None:
    """Make a database that does not exist yet (or is empty) a copy of one migrated once, to save the migrations.

    Anything else (a database with tables, a server the tests did not start) is left to `upgrade` as it is.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        server = None if parsed.query else RUNNING.get(parsed.port)
        if server is not None:
            server.refill_migrated(url, migrate)
        return
    target = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:" or not target.parent.is_dir() or (
            target.exists() and target.stat().st_size) or Path(f"{target}-wal").exists():
        return
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="rv-template-"))
        atexit.register(shutil.rmtree, folder, True)
        migrate(f"sqlite:///{folder / 'rv.db'}")
        _sqlite_template.append(folder / "rv.db")
    with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as copy:
        copy.write(_sqlite_template[0].read_bytes())


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server for the whole run; CI must have it, elsewhere it may be absent."""
    bindir = find_bindir()
    if bindir is None or shutil.which("runuser") is None and os.geteuid() == 0:
        if in_ci():
            pytest.fail("PostgreSQL server binaries are missing: tests/run installs the postgresql package")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); SQLite tests still run")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


BUILTIN_FIXTURES = {"request", "tmp_path", "tmp_path_factory", "monkeypatch", "capsys", "capfd", "caplog",
                    "recwarn", "pytestconfig"}


def estimated_cost(item) -> float:
    """Guess a test's share of a run, only to order the files: slow ones most, then those using our fixtures."""
    if item.get_closest_marker("slow"):
        return 60.0
    return 1.0 if set(item.fixturenames) - BUILTIN_FIXTURES else 0.1


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """In a pytest-xdist worker, hand the files out largest first, so no worker is left with a long one at the end.

    tests/run runs with --dist loadfile --no-loadscope-reorder: each file on one worker (its module-scoped
    servers, a PDS or a Mastodon, start once), in the order given here. A plain `pytest` keeps the file order.
    """
    if getattr(config, "workerinput", None) is None:
        return
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ordered = sorted(files.values(), key=lambda tests: -(5 + sum(estimated_cost(item) for item in tests)))
    items[:] = [item for tests in ordered for item in tests]


def pytest_terminal_summary(terminalreporter):
    """At the end, count the tests skipped for want of each tool, so a partial run is never mistaken for a full one."""
    reasons = [report.longrepr[2] for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple)]
    lines = skip_summary(reasons)
    if lines:
        terminalreporter.section("skipped for want of a tool", yellow=True)
        for line in lines:
            terminalreporter.write_line(line)


# For a test whose subject is not the database (a page's layout, words, a network's answers), where another
# test runs the same queries on both: it runs on SQLite only.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each kind: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rv.db'}"
        return
    server = request.getfixturevalue("postgres")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def project(tmp_path, database_url) -> Project:
    """A fresh project folder with an outbox account, once on SQLite and once on PostgreSQL."""
    project = Project(tmp_path, database_url)
    yield project
    for engine in project.engines:
        engine.dispose()


@pytest.fixture
def sessions(project):
    """A migrated SQLite database for the project."""
    return project.init_db()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    """A hand-moved clock starting now (loopback servers answer with real reset times)."""
    return Clock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on loopback, stopped after the test."""
    from smtpserver import SMTPServer  # only the email tests pay for importing aiosmtpd

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailing(project, smtp):
    """A project whose [email] sends through the loopback server, with one person per role: (project, sessions, ids)."""
    from web_fixtures import make_people

    project.write_config(smtp.config(timeout_seconds=2))
    sessions = project.init_db()
    return project, sessions, make_people(sessions)


@pytest.fixture
def site(project, sessions):
    """The app served by waitress on loopback, with one person per role (a browser test file may define its own)."""
    from web_fixtures import LiveServer, make_app, make_people

    make_people(sessions)
    server = LiveServer(make_app(project, sessions))
    yield server
    server.close()


def copy_templates(target: Path) -> Path:
    """Copy the starter templates somewhere a test can change them."""
    shutil.copytree(TEMPLATES, target)
    return target
