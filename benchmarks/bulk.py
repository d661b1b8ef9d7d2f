"""Bulk-loading approved, scheduled posts straight into the database, for benchmarks and load tests."""

from datetime import datetime, timezone

from sqlalchemy import func, insert, select

from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Post


def add_scheduled(sessions, rows: list[tuple[int, datetime, str]]) -> list[int]:
    """Insert one approved post per (account id, due time, text), each with one scheduled delivery."""
    now = datetime.now(timezone.utc)
    with transaction(sessions) as session:
        first_id = (session.scalar(select(func.max(Post.id))) or 0) + 1
        ids = list(range(first_id, first_id + len(rows)))
        for start in range(0, len(rows), 5000):
            chunk = list(zip(ids[start:start + 5000], rows[start:start + 5000]))
            session.execute(insert(Post), [
                {"id": post_id, "status": "scheduled", "text": text, "when": due.isoformat(), "voice": "organisation",
                 "findings": [], "created_at": now, "approved_by": "bench@example.org", "approved_at": now}
                for post_id, (_, due, text) in chunk
            ])
            session.execute(insert(Delivery), [
                {"post_id": post_id, "account_id": account_id, "status": "scheduled", "due_at": due, "run_at": due,
                 "attempts": 0}
                for post_id, (account_id, due, _) in chunk
            ])
    return ids
