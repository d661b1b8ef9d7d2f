"""A throwaway PostgreSQL server started from the installed binaries, for the tests."""

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    """Find the folder with initdb and pg_ctl: Debian keeps them under /usr/lib/postgresql."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, on loopback, thrown away when stopped."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="rv-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._template: str | None = None  # a database migrated once, cloned for each test that asks
        self._empty_size: int | None = None  # the size on disk of a database just created
        # PostgreSQL refuses to run as root, so as root we run it as the postgres user.
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_user:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        """Run one PostgreSQL program, raising with its output when it fails."""
        result = subprocess.run([*self._as_user, str(self.bindir / args[0]), *args[1:]],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> "PostgresServer":
        """Create the cluster and start the server, tuned for tests rather than durability."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        for attempt in range(3):
            try:
                return self.resume()
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = free_port()  # another process (a second test worker) took it between asking and binding

    def resume(self) -> "PostgresServer":
        """Start the server on its cluster (again, after `halt`), on the same port."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o", options, "start")
        RUNNING[self.port] = self
        return self

    def halt(self) -> None:
        """Stop the server, cutting off every client but keeping its data, as an outage would (`resume` restarts it).

        Fast, not immediate: with synchronous_commit off, an immediate stop would lose the last commits, which
        no client could guard against.
        """
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            RUNNING.pop(self.port, None)
            shutil.rmtree(self.folder, ignore_errors=True)

    def admin(self, sql: str, *params):
        """Run one statement on the maintenance database, outside a transaction; return its first row, if any."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            cursor = connection.execute(sql, params or None)
            return cursor.fetchone() if cursor.description else None

    def create_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"rv_test_{next(self._names)}"
        # The default WAL_LOG copy, not FILE_COPY: FILE_COPY's two checkpoints write out what the tests before
        # left in the buffers, which made it twice as slow in a run of tests, though faster on an idle server.
        self.admin(f"CREATE DATABASE {name}")
        if self._empty_size is None:
            self._empty_size = self._size(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _size(self, name: str) -> int:
        """The bytes a database takes on disk, read from the maintenance database."""
        return self.admin("SELECT pg_database_size(%s)", name)[0]

    def drop_database(self, url: str) -> None:
        """Drop a test database, closing any connections left on it."""
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def refill_migrated(self, url: str, migrate) -> bool:
        """Replace an untouched new database with a clone of a migrated template (made once with `migrate(url)`).

        CREATE DATABASE ... TEMPLATE copies the migrated schema, which on an idle machine takes a third of the
        time of running every migration again for each test. Returns False, leaving the database as it was,
        when it is not exactly as created (a table, or even one connection, changes its size on disk) or
        someone is connected to it. Its size is read from outside, because a connection to it would make the
        DROP wait for that backend to exit.
        """
        import psycopg

        name = url.rsplit("/", 1)[1]
        if self._empty_size is None or self._size(name) != self._empty_size:
            return False
        if self._template is None:
            template_url = self.create_database()
            migrate(template_url)
            self._template = template_url.rsplit("/", 1)[1]
        try:
            self.admin(f"DROP DATABASE {name}")
        except psycopg.errors.ObjectInUse:
            return False
        self.admin(f"CREATE DATABASE {name} TEMPLATE {self._template}")
        return True


# The servers started in this process, by port, so a project's database URL finds its server.
RUNNING: dict[int, PostgresServer] = {}
