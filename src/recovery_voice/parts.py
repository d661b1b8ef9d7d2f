"""Checking a long file line by line on every core: the lines in one part per core, each later part in a forked copy.

`check --lines` on a file of thousands of lines did all its work on one core. The lines are split
into consecutive parts; this process checks the first while a forked copy of it (its rules loaded
and compiled already) checks each of the others into a temporary file; the copies' results are then
written after this process's own, so the output is exactly what one process writes, in order. A copy
ends with os._exit: it never flushes this process's buffered output or writes its caches.
Where fork is missing, or with one core or few lines, everything runs here, as before.
"""

from __future__ import annotations

import os
import signal

MIN_PER_PART = 1_000  # lines: a forked copy costs a few milliseconds, which fewer lines would not repay
FAILED = 1  # a copy's exit code when some result reached --fail-on; 0 when none did; anything else is a fault


def part_count(lines: int) -> int:
    """Return how many parts to check `lines` lines in: one per core this process may use, each of MIN_PER_PART or more."""
    if not hasattr(os, "fork"):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS has fork but no affinity
        cores = os.cpu_count() or 1
    return max(1, min(cores, lines // MIN_PER_PART))


def check_in_parts(items: list[str], work, write, parts: int) -> bool:
    """Run work(items, first_number, write) over consecutive parts of the items, all but the first in forked copies.

    work returns whether any result reached --fail-on; so does this. Results are written in the items' order.
    """
    size = -(-len(items) // parts)  # rounded up, so no part is left over
    starts = range(0, len(items), size)
    if len(starts) < 2:
        return work(items, 1, write)
    copies: list[tuple[int, int, object]] = []
    try:
        for start in starts[1:]:
            copies.append((start + 1, *_fork(work, items[start:start + size], start + 1)))
        failed = work(items[:size], 1, write)
        while copies:
            first, pid, output = copies.pop(0)  # waited for in _collect, whatever it finds
            failed = _collect(first, pid, output, write) or failed
        return failed
    finally:
        for _, pid, output in copies:  # only after a fault or an interruption here: stop the others too
            _stop(pid)
            output.close()


def _fork(work, items: list[str], first: int) -> tuple[int, object]:
    """Start a copy of this process that checks the items into a temporary file; return its pid and the file."""
    import tempfile  # here: only a long file comes this way

    output = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # the copy
        code = 2
        try:
            with open(output.fileno(), "w", encoding="utf-8", closefd=False) as out:
                code = FAILED if work(items, first, lambda text: out.write(text + "\n")) else 0
        except BaseException:  # noqa: BLE001 - a copy must always end here, never return into the caller's code
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return pid, output


def _collect(first: int, pid: int, output, write) -> bool:
    """Wait for a copy, write its results, and tell whether any reached --fail-on; a copy that broke is an error."""
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with output:
        if code not in (0, FAILED):
            raise RuntimeError(f"checking the lines from line {first} on stopped (exit {code}); see the message above")
        output.seek(0)
        text = output.read().decode("utf-8")
    if text:
        write(text[:-1])  # each result ended in a newline, and write adds one
    return code == FAILED


def _stop(pid: int) -> None:
    """End a copy that is no longer wanted and wait for it, so none is left behind."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
