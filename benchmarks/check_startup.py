"""Start-up benchmark: the whole-process time of `recovery-voice check` for one short text.

Run: .venv/bin/python benchmarks/check_startup.py [--runs 20] [--as-is]
Runs `python -m recovery_voice check TEXT` (and the `recovery-voice` script beside this Python, if
installed) --runs times each, after one warm-up run, and prints the median and p90 of the wall time
and of the user+sys CPU time of each run (CPU time is less affected by other work on the machine),
then the modules that took longest to import. Like an installed program, the runs may keep bytecode
(.pyc), in a folder of their own so the source tree is not touched; --as-is runs them with the
environment unchanged instead (where PYTHONDONTWRITEBYTECODE is set, every run compiles every module).
The rules cache (see src/recovery_voice/language/lazy.py) is the user's own, as it is for a person;
the first run after a rule file changed works it out again: the "first run" line is that case.
Target (issue 12): at most 150 ms whole-process. Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "Our café is open on Tuesday."
TARGET_MS = 150


def as_installed(env: dict, bytecode: str) -> dict:
    """Return the environment with bytecode kept (in the folder `bytecode`), as an installed program keeps its .pyc."""
    kept = {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**kept, "PYTHONPYCACHEPREFIX": bytecode}


def run_once(command: list[str], env: dict) -> tuple[float, float]:
    """Run a command to its end; return its wall time and its user+sys CPU time, in milliseconds."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    error = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: findings at --fail-on; neither is a crash
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(name: str, command: list[str], runs: int, env: dict) -> float:
    """Print the median and p90 of wall and CPU time over `runs` runs after a warm-up; return the median wall."""
    first_wall, first_cpu = run_once(command, env)
    walls, cpus = zip(*(run_once(command, env) for _ in range(runs)))
    median = statistics.median(walls)
    print(f"{name:<28} wall median {median:6.1f} ms  p90 {percentile(walls, 0.9):6.1f} ms   "
          f"user+sys median {statistics.median(cpus):6.1f} ms  p90 {percentile(cpus, 0.9):6.1f} ms   "
          f"(warm-up run {first_wall:.0f} ms, CPU {first_cpu:.0f} ms)")
    return median


def first_run(env: dict) -> None:
    """Print the time of a run that must work the rules out afresh (an empty cache folder), for comparison."""
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = run_once([sys.executable, "-m", "recovery_voice", "check", TEXT], {**env, "XDG_CACHE_HOME": folder})
    print(f"{'first run (no rules cache)':<28} wall {wall:6.1f} ms  user+sys {cpu:6.1f} ms")


def import_breakdown(env: dict, top: int = 12) -> None:
    """Print the modules with the longest own import time in one run of the command (python -X importtime)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "recovery_voice", "check", TEXT],
                            env=env, capture_output=True, text=True)
    rows = []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, total, name = line[len("import time:"):].split("|")
            rows.append((int(own), int(total), name.rstrip()))
    print(f"\nimports: {len(rows)} modules, {sum(own for own, _, _ in rows) / 1000:.1f} ms in all (one run); "
          f"the {top} slowest by their own time:")
    for own, total, name in sorted(rows, reverse=True)[:top]:
        print(f"  {own / 1000:6.1f} ms own {total / 1000:7.1f} ms with what it imports  {name.strip()}")
    heavy = [name.strip() for _, _, name in rows
             if name.strip().split(".")[0] in {"sqlalchemy", "twitter_text", "atproto", "tweepy", "mastodon",
                                               "flask", "PIL"}]
    print("  heavy modules imported: " + (", ".join(heavy) if heavy else "none"))


def main() -> int:
    """Measure, print and say whether the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--as-is", action="store_true", help="Keep the environment's bytecode settings.")
    args = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as bytecode:
        if not args.as_is:
            env = as_installed(env, bytecode)
        print(f"`check \"{TEXT}\"`, {args.runs} runs each; Python {sys.version.split()[0]}; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"bytecode {'as the environment says' if args.as_is else 'kept (as installed)'}")
        measure("python -c pass", [sys.executable, "-c", "pass"], args.runs, env)
        median = measure("python -m recovery_voice", [sys.executable, "-m", "recovery_voice", "check", TEXT],
                         args.runs, env)
        script = shutil.which("recovery-voice", path=str(Path(sys.executable).parent))
        if script:
            median = max(median, measure("recovery-voice (script)", [script, "check", TEXT], args.runs, env))
        first_run(env)
        import_breakdown(env)
    verdict = "met" if median <= TARGET_MS else "NOT MET"
    print(f"\ntarget: whole process <= {TARGET_MS} ms (median wall): {median:.1f} ms  {verdict}")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
