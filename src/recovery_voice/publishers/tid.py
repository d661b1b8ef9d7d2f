"""Bluesky record keys (TIDs), chosen when a post is scheduled so that a retry can never make a second post."""

import threading
import time

from . import FinalError, Part

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_last_micros = 0  # the last timestamp handed out, so keys made in one process never repeat
_tid_lock = threading.Lock()
MAX_PARTS = 1024


def new_tid() -> str:
    """A fresh record key (TID): microseconds since 1970, with the 10-bit clock id left for the part number."""
    global _last_micros
    with _tid_lock:
        micros = max(int(time.time() * 1_000_000), _last_micros + 1)
        _last_micros = micros
    return _encode_tid(micros << 10)


def part_rkey(part: Part) -> str:
    """The record key of a part: the delivery's chosen key, with the part's number in the clock-id bits."""
    if part.number > MAX_PARTS:
        raise FinalError(f"a thread can have at most {MAX_PARTS} parts on Bluesky")
    base = _decode_tid(part.outgoing.remote_key)
    return _encode_tid((base & ~0x3FF) | (part.number - 1))


def _encode_tid(value: int) -> str:
    """Write a 64-bit TID value as 13 base32-sortable characters."""
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _decode_tid(tid: str | None) -> int:
    """Read a TID back into its 64-bit value."""
    if not tid or len(tid) != 13 or any(c not in TID_ALPHABET for c in tid):
        raise FinalError(f"this delivery has no valid Bluesky record key ({tid!r}); reschedule it to get a new one")
    value = 0
    for char in tid:
        value = (value << 5) | TID_ALPHABET.index(char)
    return value
