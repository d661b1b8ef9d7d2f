"""Compiling the rules' patterns only when they are first used, and keeping what parsing them tells.

A short text meets few rules, yet compiling every trigger and context pattern, and parsing each to
find its prefixes (index.py), took most of a second at the start of every `recovery-voice check`.
So a rule's patterns are LazyPatterns, compiled the first time they match anything, and what is
worked out from the built-in rules by parsing them (each trigger's prefixes and needed words, each
before-context reversed), and the parsed rule files, are kept in a cache file. It holds the rule
files and the code that works those out, byte for byte, and the Python version, and is used only
where all of them are still the same; it is written only after every pattern compiled, so rules
read with its help are known to compile. It is written with marshal, as Python's own .pyc files
are, and kept as they are, in the user's own folder: quick to read, with no module to import.
Where the cache cannot be read or written (no home folder, a read-only one), everything is worked
out as before, and the answers are the same either way.
"""

from __future__ import annotations

import marshal
import os
from array import array
import re
import sys
from pathlib import Path

import _sre  # type: ignore[import-not-found]  # re's own engine, to build a pattern from its compiled code

try:  # Python 3.11+ names these re._parser and re._compiler; older ones sre_parse and sre_compile.
    from re import _compiler as _sre_compile, _parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_compile as _sre_compile  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_HERE = Path(__file__).resolve().parent
# The code whose answers are cached: a change to any of it makes a new cache file.
_CODE = ("index.py", "lazy.py", "reverse.py", "rules.py")
_FORMAT = 1
_SHARED: Derived | None = None  # the built-in rules' cache, which also keeps the word-start finder's code
_MAX_COMPILED = 8  # finders kept (one per set of active rules: region, voice, disabled rules, own terms)
_CODES_FILE = "language-code.marshal"
_MAX_CODES = 5000  # patterns whose compiled code is kept (the built-in rules have about 1,500 with their probes)
# A probe's code runs to hundreds of kilobytes, and reading them all (14 MB) took a fifth of a command line
# check. So long sources are kept apart, in shards by a hash of the source: a check reads the few it needs.
_LONG_SOURCE = 1000
_SHARDS = 32
_MAX_SHARD_CODES = 200  # long patterns kept in each shard


class LazyPattern:
    """A regular expression that is compiled the first time it is used; reads like the re.Pattern it stands for."""

    # After the first use, match/search/finditer are the compiled pattern's own methods, kept in slots,
    # so a call costs no more than on re.Pattern; other attributes are looked up on it each time.
    __slots__ = ("pattern", "_flags", "_compiled", "match", "search", "finditer", "findall", "fullmatch")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.pattern = source
        self._flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        """Return the compiled pattern, compiling it now if this is the first use (re.error if it is broken)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = compile_pattern(self.pattern, self._flags)
            self.match, self.search, self.finditer = compiled.match, compiled.search, compiled.finditer
            self.findall, self.fullmatch = compiled.findall, compiled.fullmatch
        return compiled

    def __getattr__(self, name: str):
        """Compile on first use, then answer from the compiled pattern (only called for unset attributes)."""
        if name.startswith("_"):  # not a pattern's (a copy asking for _compiled would loop)
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __eq__(self, other) -> bool:
        """Tell whether another lazy pattern has the same source and flags, as compiled patterns are equal."""
        if not isinstance(other, LazyPattern):
            return NotImplemented
        return self.pattern == other.pattern and self._flags == other._flags

    def __hash__(self) -> int:
        """Hash by the source, like equality."""
        return hash(self.pattern)

    def __repr__(self) -> str:
        """Show the source, as re.Pattern does."""
        return f"LazyPattern({self.pattern!r})"


class Derived:
    """What parsing the patterns of one set of rule files tells, read from and written to a cache file."""

    def __init__(self, place: tuple[Path, bytes] | None) -> None:
        self.path, self.key = place if place is not None else (None, b"")
        self.entries: dict = _read(self.path, self.key) if self.path is not None else {}
        self.hit = bool(self.entries)  # everything below was worked out, and compiled, once before
        self.added = False
        self._codes: dict[int, Derived] = {}
        self.saving_at_exit = False

    def codes(self, source: str = "") -> Derived:
        """Return the cache of compiled pattern code that keeps a source's, read the first time it is asked for.

        Files of their own: together they are many times the size of this one, and a short text needs
        little of them. Short sources share one file; each long one is in one of _SHARDS beside it.
        """
        shard = sum(source.encode()) % _SHARDS + 1 if len(source) > _LONG_SOURCE else 0  # stable across runs, unlike hash()
        codes = self._codes.get(shard)
        if codes is None:
            name = _CODES_FILE if not shard else _CODES_FILE.replace(".marshal", f"-{shard}.marshal")
            codes = self._codes[shard] = Derived(None if self.path is None else (self.path.with_name(name), self.key))
        return codes

    def remember(self, kind: str, source: str, work, limit: int | None = None):
        """Return the cached answer about a pattern source, or work it out with work() and keep it (at most `limit`)."""
        table = self.entries.setdefault(kind, {})
        if source in table:
            return table[source]
        if limit is not None and len(table) >= limit:
            table.pop(next(iter(table), None), None)  # the oldest (pop: another thread may have taken it)
        answer = table[source] = work()
        self.added = True
        return answer

    def save(self) -> None:
        """Write the answers worked out this time, atomically; a folder that cannot be written is skipped."""
        if self.path is None or not self.added:
            return
        import tempfile  # only when writing, which most runs do not

        temporary = None
        try:
            data = marshal.dumps({"key": self.key, **self.entries})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".language-", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.path)  # readers see the old file or the new one, never half of one
        except (OSError, ValueError):  # ValueError: something marshal cannot write
            if temporary is not None:
                _remove(temporary)
            return  # a cache is a saving, never a requirement
        self.added = False


def share(derived: Derived) -> None:
    """Make the built-in rules' cache the one remembered_pattern keeps compiled patterns in."""
    global _SHARED
    _SHARED = derived


def remembered_pattern(key: str, source) -> re.Pattern:
    """Return the pattern that source() gives, built from the code kept under `key` when the cache has it.

    Compiling the word-start finder (index.py), one large pattern, took a fifth of a short check; re
    builds a pattern from its compiled code in microseconds. The code is kept only when the pattern
    built from it equals (same code) the one re.compile makes, and for this Python version only.
    """
    store = _SHARED
    if store is None:
        return re.compile(source())
    entry = store.remember("compiled", key, lambda: _compiled_entry(source()), limit=_MAX_COMPILED)
    if store.added:
        store.save()
    if entry is None:
        return re.compile(source())
    try:
        return _sre.compile(*entry)
    except (TypeError, ValueError, RuntimeError):  # pragma: no cover - a cache this Python cannot read
        return re.compile(source())


def remembered(kind: str, source: str, work):
    """Return what the shared cache keeps about a pattern source under `kind`, or work() it out and keep it.

    For what is worked out from the code's own patterns (context.py's reversed ones), which parsing took
    a tenth of a short check; without a shared cache (no folder to keep it in), work() is asked each time.
    """
    store = _SHARED
    if store is None:
        return work()
    answer = store.remember(kind, source, work)
    if store.added:
        _save_at_exit(store)
    return answer


def compile_pattern(source: str, flags: int = 0) -> re.Pattern:
    """Return re.compile(source, flags), built from compiled code the shared cache keeps, and kept there if new.

    Compiling the patterns and probes that 10,000 lines of text meet took about half of a whole
    `check --lines` run; re builds a pattern from its code in microseconds. As for the word-start
    finder, code is kept only when the pattern built from it equals re.compile's; the cache file
    takes what was learnt when the process ends.
    """
    if _SHARED is None:
        return re.compile(source, flags)
    store = _SHARED.codes(source)
    key = f"{int(flags)} {source}"
    entry = store.entries.get("code", {}).get(key)
    if entry is not None:
        try:
            return _sre.compile(entry[0], entry[1], array("I", entry[2]).tolist(), *entry[3:])
        except (TypeError, ValueError, RuntimeError, OverflowError):  # pragma: no cover - code this Python cannot read
            pass
    pattern = re.compile(source, flags)
    if store.path is not None:
        entry = _compiled_entry(source, flags)
        if entry is not None:
            limit = _MAX_SHARD_CODES if len(source) > _LONG_SOURCE else _MAX_CODES
            store.remember("code", key, lambda: (*entry[:2], array("I", entry[2]).tobytes(), *entry[3:]), limit)
            _save_at_exit(store)
    return pattern


def _save_at_exit(store: Derived) -> None:
    """Have the cache file written once, when the process ends, with every pattern's code learnt by then."""
    if not store.saving_at_exit:
        import atexit

        store.saving_at_exit = True
        atexit.register(store.save)


def _compiled_entry(source: str, flags: int = 0) -> tuple | None:
    """Return what _sre.compile needs to build the pattern of a source, as re.compile does, or None."""
    try:
        parsed = _sre_parse.parse(source, flags)
        code = [int(word) for word in _sre_compile._code(parsed, flags)]  # plain ints: marshal refuses their subclass
        groupindex = dict(parsed.state.groupdict)
        indexgroup = [None] * parsed.state.groups
        for name, number in groupindex.items():
            indexgroup[number] = name
        entry = (source, int(parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        return entry if _sre.compile(*entry) == re.compile(source, flags) else None
    except Exception:  # pragma: no cover - re's insides differ in this Python: compile the usual way
        return None


def cache_place(files: list[Path], folder: Path | None = None) -> tuple[Path, bytes] | None:
    """Return the cache file (in `folder`, or the user's cache folder) and the key its answers must carry."""
    folder = folder or os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if _has_home() else None)
    if not folder:
        return None
    key = [f"{_FORMAT} {sys.version}".encode()]
    try:
        for path in [*files, *(_HERE / name for name in _CODE)]:
            key += [path.name.encode(), path.read_bytes()]
    except OSError:
        return None
    return Path(folder) / "recovery-voice" / "language-rules.marshal", b"\0".join(key)


def _remove(path: str) -> None:
    """Remove a half-written file, if it is still there."""
    try:
        os.unlink(path)
    except OSError:
        pass


def _has_home() -> bool:
    """Tell whether this user has a home folder to keep a cache in."""
    try:
        return Path.home().is_dir()
    except (RuntimeError, KeyError, OSError):
        return False


def _read(path: Path, key: bytes) -> dict:
    """Return the entries of a cache file, or {} when it is missing, unreadable or for other rules or code."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict) or data.pop("key", None) != key:
        return {}
    return data
