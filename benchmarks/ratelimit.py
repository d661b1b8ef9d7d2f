"""Rate-limit benchmark: each platform's post limit, scaled down in time, against the real worker.

Run: .venv/bin/python benchmarks/ratelimit.py [--windows 6] [--window 3] [--margin 0]
     [--platforms x,mastodon,bluesky] [--bluesky-unit points|calls]

Each platform gets its own loopback server from tests/ (tests/xapi.py for X, mastodon-mock through
tests/mastodonserver.py, a real @atproto/pds through tests/pdsserver.py) with tests/faultproxy.py in
front. The proxy enforces the platform's post limit, scaled down in time, in fixed windows aligned to
multiples of the window in epoch seconds, and answers with that platform's own headers
(X `x-rate-limit-*`, Mastodon `X-RateLimit-*` with an ISO 8601 reset, Bluesky `ratelimit-*`); being
aligned to whole seconds, its integer reset headers are exact. Over the limit it answers the
platform's 429 without forwarding. The servers' own limiters are off (or out of reach).

One project (config.toml, SQLite) holds one account per platform, each with more short posts due now
than it may send in the run, and the real worker runs on the same APScheduler timer `recovery-voice
worker` uses, until `--windows` full windows have passed since every platform's first post. Counted per
platform over those full windows only (from the start of the first window that began after each platform
had published once, to the end of the last; the windows are the same for all, as they are aligned):
posts the proxy let through, allowed = limit x windows, the share used, and the lag from each window's
reset to its first post; and 429s over the whole run (from the proxy or the server). One worker serves
all three accounts, as `recovery-voice worker` would, one call at a time, so a platform's lag includes
the other accounts' posts sent before its first one in that round.

Bluesky counts points, not calls: 5000 per hour, a create costs 3, so 1666 posts leave 2 points, and
`ratelimit-remaining` is in points (checked on @atproto/pds 0.5.35 with its limits on). By default the
proxy does the same, scaled: 77 points per window, 25 posts and 2 points left over. `--bluesky-unit calls`
counts 25 calls per window instead.

Target: every platform uses at least 95% of what it is allowed and meets no 429. Exits 1 otherwise.
Bluesky is skipped, with the reason, when the PDS cannot run here (Node 22 and .cache/pds; see .ci/run).
"""

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from faultproxy import FaultProxy, _Limiter, route  # noqa: E402
from mastodonserver import MastodonServer  # noqa: E402
from pdsserver import PdsServer, skip_reason  # noqa: E402
from xapi import XApiServer  # noqa: E402

from recovery_voice.config import load_config  # noqa: E402
from recovery_voice.db import make_engine, session_factory, transaction, upgrade  # noqa: E402
from recovery_voice.models import Account, Delivery, utcnow  # noqa: E402
from recovery_voice.posts import Draft, create_post  # noqa: E402
from recovery_voice.review import approve  # noqa: E402
from recovery_voice.timer import make_scheduler  # noqa: E402
from recovery_voice.worker import Worker  # noqa: E402

TARGET = 0.95
X_CREDENTIALS = {"RV_X_CK": "bench-ck", "RV_X_CS": "bench-cs", "RV_X_AT": "bench-at", "RV_X_ATS": "bench-ats"}
BSKY_PASSWORD = "bench-main-password"


@dataclass(frozen=True)
class Shape:
    """A platform's real post limit and the scaled-down one the benchmark puts on loopback."""

    platform: str
    real: str            # the real limit, in words
    real_posts: float    # posts allowed per real window
    real_window: float   # seconds
    limit: int           # posts allowed per scaled window
    method: str          # the limited call
    path: str
    points: int = 0      # when the platform counts points: points per scaled window ...
    cost: int = 1        # ... and the points one post costs

    def scaling(self, window: float) -> str:
        """Say how the real limit was scaled."""
        rate = (self.limit / window) / (self.real_posts / self.real_window)
        counted = (f"{self.points} points per {window:g} s ({self.limit} posts, {self.points - self.limit * self.cost}"
                   " left over)" if self.points else f"{self.limit} posts per {window:g} s")
        return f"{self.real} -> {counted} (window / {self.real_window / window:g}, rate x {rate:.0f})"

    def in_calls(self) -> "Shape":
        """The same limit counted in calls rather than points."""
        return replace(self, points=0, cost=1)


SHAPES = {
    "x": Shape("x", "100 posts per 15 min per user", 100, 900, 20, "POST", "/2/tweets"),
    "mastodon": Shape("mastodon", "300 calls per 5 min per token", 300, 300, 30, "POST", "/api/v1/statuses"),
    "bluesky": Shape("bluesky", "5000 points per hour per account, create = 3 (1666 posts, 2 left over)", 5000 / 3,
                     3600, 25, "POST", "/xrpc/com.atproto.repo.createRecord", points=77, cost=3),
}


@dataclass
class PointsLimiter(_Limiter):
    """The proxy's aligned windows, counted in points as the PDS counts them (rate-limiter-flexible).

    Every call adds its cost, refused ones too; a call that takes the total over the limit is refused;
    the remaining header says max(limit - used, 0) points.
    """

    cost: int = 3

    def take(self, key: str, now: float) -> tuple[bool, int, float]:
        start = math.floor(now / self.window) * self.window
        prev_start, used = self.windows.get(key, (start, 0))
        used = (used if prev_start == start else 0) + self.cost
        self.windows[key] = (start, used)
        return used <= self.requests, max(self.requests - used, 0), start + self.window


def limit(proxy: FaultProxy, shape: Shape, window: float) -> None:
    """Put the shape's limit on the proxy: in calls with its own limiter, in points with PointsLimiter."""
    match = route(shape.method, shape.path)
    if not shape.points:
        proxy.limit(requests=shape.limit, window=window, match=match)
        return
    with proxy._lock:  # FaultProxy.limit() counts calls only; the rest of the proxy works with any limiter
        proxy._limiter = PointsLimiter(shape.points, window, match, cost=shape.cost)


@dataclass
class Platform:
    """One platform's loopback server, the proxy limiting it and its account block in config.toml."""

    shape: Shape
    proxy: FaultProxy
    account: str  # the [[accounts]] table
    env: dict = field(default_factory=dict)

    def posts(self):
        """The limited calls the proxy saw, in order of arrival."""
        return [r for r in self.proxy.records if r.method == self.shape.method and r.path == self.shape.path]

    def published(self) -> list[float]:
        """Arrival times of the limited calls the server accepted."""
        return [r.at for r in self.posts() if r.outcome == "forwarded" and r.status in (200, 201)]


def start_x(stack: ExitStack, shape: Shape, window: float) -> Platform:
    """tests/xapi.py (its own limit out of reach) behind a proxy with X's headers."""
    server = stack.enter_context(XApiServer(*X_CREDENTIALS.values(), post_limit=10**9))
    proxy = stack.enter_context(FaultProxy(server.base_url, platform="x"))
    limit(proxy, shape, window)
    return Platform(shape, proxy, f"""
[[accounts]]
name = "x"
platform = "x"
base_url = "{proxy.base_url}"
consumer_key_env = "RV_X_CK"
consumer_secret_env = "RV_X_CS"
access_token_env = "RV_X_AT"
access_token_secret_env = "RV_X_ATS"
""", dict(X_CREDENTIALS))


def start_mastodon(stack: ExitStack, shape: Shape, window: float) -> Platform:
    """mastodon-mock (its own limiter off) behind a proxy with Mastodon's headers."""
    server = stack.enter_context(MastodonServer())
    token = server.create_user("bench")
    proxy = stack.enter_context(FaultProxy(server.base_url, platform="mastodon"))
    limit(proxy, shape, window)
    return Platform(shape, proxy, f"""
[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{proxy.base_url}"
access_token_env = "RV_MASTODON_TOKEN"
language = "en"
visibility = "unlisted"
""", {"RV_MASTODON_TOKEN": token})


def start_bluesky(stack: ExitStack, shape: Shape, window: float) -> Platform:
    """A real PDS (its own limits off) behind a proxy with Bluesky's headers; the SDK stays on the proxy."""
    server = stack.enter_context(PdsServer(rate_limits=False, did_doc_with_session=False))
    handle = "bench.test"
    server.create_account(handle, BSKY_PASSWORD)
    app_password = server.app_password(handle, BSKY_PASSWORD, "recovery-voice")
    proxy = stack.enter_context(FaultProxy(server.url, platform="bluesky"))
    limit(proxy, shape, window)
    return Platform(shape, proxy, f"""
[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{proxy.base_url}"
handle = "{handle}"
app_password_env = "RV_BSKY_PASSWORD"
""", {"RV_BSKY_PASSWORD": app_password})


STARTERS = {"x": start_x, "mastodon": start_mastodon, "bluesky": start_bluesky}


def write_config(folder: Path, platforms: list[Platform], margin: float) -> Path:
    """A project's config.toml: SQLite in the folder, the margin under test, one account per platform."""
    path = folder / "config.toml"
    path.write_text(f"""[organisation]
name = "Benchmark Recovery Community"
timezone = "Europe/London"
[database]
url = "sqlite:///{folder / 'rv.db'}"
[worker]
reset_margin_seconds = {margin}
request_timeout_seconds = 10
""" + "".join(p.account for p in platforms))
    return path


def queue(sessions, config, counts: dict[str, int]) -> None:
    """Create and approve short posts due now, `counts[account]` for each account, interleaved."""
    due = utcnow() - timedelta(seconds=1)
    made_at = due - timedelta(minutes=5)
    with transaction(sessions) as session:
        ids = []
        for n in range(max(counts.values())):
            for account, count in counts.items():
                if n < count:
                    draft = Draft(text=f"Benchmark post {n} for {account}: one day at a time.", accounts=[account],
                                  when=due.isoformat())
                    ids.append(create_post(session, config, draft, now=made_at).id)
        approve(session, config, ids, "bench@example.org", now=made_at)


def run_worker(config, sessions, platforms: list[Platform], window: float, windows: int) -> int:
    """Run the worker on its timer until `windows` full windows have passed since every platform's first post.

    Returns the index of the first of those windows (its start is index x window in epoch seconds).
    """
    worker = Worker(config, sessions)
    scheduler = make_scheduler(worker, blocking=False)
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        first: dict[str, float] = {}
        while len(first) < len(platforms) and time.monotonic() < deadline:
            for platform in platforms:
                published = platform.published()
                if published and platform.shape.platform not in first:
                    first[platform.shape.platform] = min(published)
            time.sleep(0.05)
        missing = [p.shape.platform for p in platforms if p.shape.platform not in first]
        if missing:
            raise SystemExit(f"no post reached {', '.join(missing)} within 30 s: is the worker running?")
        start = math.floor(max(first.values()) / window) + 1
        time.sleep(max(0.0, (start + windows) * window - time.time()) + 0.2)  # and a little of the next window
    finally:
        scheduler.shutdown()
    return start


def measure(platform: Platform, window: float, windows: int, start: int) -> dict:
    """Count one platform's posts in the measured windows, its 429s in the whole run, and each window's lag."""
    begin, end = start * window, (start + windows) * window
    published = [at for at in platform.published() if begin <= at < end]
    firsts = {}
    for at in published:
        index = math.floor(at / window)
        firsts[index] = min(firsts.get(index, at), at)
    lags = [firsts[index] - index * window if index in firsts else None for index in range(start, start + windows)]
    records = platform.proxy.records
    allowed = platform.shape.limit * windows
    return {
        "published": len(published),
        "allowed": allowed,
        "share": len(published) / allowed,
        "too_many": sum(1 for r in records if r.status == 429 or r.upstream_status == 429),
        "violations": len(platform.proxy.violations),
        "other_errors": sum(1 for r in platform.posts()
                            if r.status != 429 and not (r.outcome == "forwarded" and r.status in (200, 201))),
        "lags": lags,
        "per_window": [sum(1 for at in published if math.floor(at / window) == index)
                       for index in range(start, start + windows)],
    }


def utc(epoch: float) -> str:
    """An epoch second as a UTC time of day."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%H:%M:%S UTC")


def main() -> None:
    """Print the figures; exit 1 if a platform used under 95% of its allowance or met a 429."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=6, help="full windows measured (default 6)")
    parser.add_argument("--window", type=int, default=3, help="scaled window in whole seconds (default 3)")
    parser.add_argument("--margin", type=float, default=0.0,
                        help="[worker] reset_margin_seconds (default 0: the proxy's resets are exact)")
    parser.add_argument("--platforms", default="x,mastodon,bluesky")
    parser.add_argument("--bluesky-unit", choices=("points", "calls"), default="points",
                        help="count Bluesky's limit in points as the PDS does (default) or in calls")
    args = parser.parse_args()
    shapes = dict(SHAPES)
    if args.bluesky_unit == "calls":
        shapes["bluesky"] = shapes["bluesky"].in_calls()
    names = [name.strip() for name in args.platforms.split(",") if name.strip()]
    unknown = [name for name in names if name not in SHAPES]
    if unknown or not names or args.windows < 1 or args.window < 1:
        parser.error(f"platforms are {', '.join(SHAPES)}; windows and window must be at least 1")

    print(f"scaling: every window {args.window} s, [worker] reset_margin_seconds = {args.margin:g}")
    skipped = {}
    if "bluesky" in names and skip_reason():
        skipped["bluesky"] = skip_reason()
        names.remove("bluesky")
    for name in shapes:
        if name in names or name in skipped:
            print(f"  {name:9} {shapes[name].scaling(args.window)}")
    for name, reason in skipped.items():
        print(f"  {name:9} SKIPPED: {reason}")
    if not names:
        raise SystemExit("no platform could run")

    began = time.monotonic()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="rv-ratelimit-") as folder:
        platforms = [STARTERS[name](stack, shapes[name], args.window) for name in names]
        for platform in platforms:
            os.environ.update(platform.env)
        config = load_config(str(write_config(Path(folder), platforms, args.margin)))
        engine = make_engine(config.database_url)
        stack.callback(engine.dispose)
        upgrade(engine)
        sessions = session_factory(engine)
        Worker(config, sessions)  # adds the accounts to the database
        # Enough for a partial first window, the measured ones and three more: never short of posts.
        queue(sessions, config, {p.shape.platform: p.shape.limit * (args.windows + 4) for p in platforms})
        ready = time.monotonic()
        start = run_worker(config, sessions, platforms, args.window, args.windows)
        with sessions() as session:
            in_database = dict(session.execute(
                select(Account.name, func.count()).join(Delivery, Delivery.account_id == Account.id)
                .where(Delivery.status == "published").group_by(Account.name)).all())
        results = {p.shape.platform: measure(p, args.window, args.windows, start) for p in platforms}
        seen = {p.shape.platform: len(p.published()) for p in platforms}

    print(f"set-up {ready - began:.1f} s, whole run {time.monotonic() - began:.1f} s; measured {args.windows} full "
          f"windows of {args.window} s, from {utc(start * args.window)} to {utc((start + args.windows) * args.window)}")
    header = (f"{'platform':9} {'window':>6} {'limit':>5} {'published':>9} {'allowed':>7} {'share':>7} "
              f"{'429s':>4} {'lag p50':>8} {'lag max':>8}  per window")
    print(header)
    failed = []
    for name, result in results.items():
        lags = [lag for lag in result["lags"] if lag is not None]
        print(f"{name:9} {args.window:>5}s {shapes[name].limit:>5} {result['published']:>9} {result['allowed']:>7} "
              f"{result['share']:>7.1%} {result['too_many']:>4} "
              f"{statistics.median(lags) * 1000 if lags else float('nan'):>6.0f}ms "
              f"{max(lags) * 1000 if lags else float('nan'):>6.0f}ms  {result['per_window']}")
        if result["share"] < TARGET:
            failed.append(f"{name} used {result['share']:.1%} of its allowance (target >= {TARGET:.0%})")
        if result["too_many"] or result["violations"]:
            failed.append(f"{name} met {result['too_many']} 429s ({result['violations']} sent while told to wait)")
        if result["other_errors"]:
            failed.append(f"{name} had {result['other_errors']} other failed calls")
        if in_database.get(name, 0) != seen[name]:
            failed.append(f"{name}: the server accepted {seen[name]} posts, the database says "
                          f"{in_database.get(name, 0)} published")
    print("(posts and lag by arrival at the proxy, within the measured windows; 429s over the whole run)")
    wakes = [min(known) for lags in zip(*(r["lags"] for r in results.values()))
             if (known := [lag for lag in lags if lag is not None])]
    if wakes:
        print(f"wake-up: the first post of any account after each reset came {statistics.median(wakes) * 1000:.0f} ms "
              f"after it (p50), {max(wakes) * 1000:.0f} ms at most; a platform's own lag adds the posts of the "
              "other accounts that were due before its own (one worker, one call at a time)")
    for name, reason in skipped.items():
        print(f"{name:9} skipped: {reason}")
    if failed:
        print("FAILED: " + "; ".join(failed))
        sys.exit(1)
    print(f"ok: every platform used at least {TARGET:.0%} of its allowance with no 429")


if __name__ == "__main__":
    main()
