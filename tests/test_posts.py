"""A post's status, derived from the statuses of its deliveries."""

import pytest

from recovery_voice.posts import summarise


@pytest.mark.parametrize("statuses, expected", [
    (["scheduled", "published"], "scheduled"),
    (["claimed"], "scheduled"),
    (["publishing", "published"], "publishing"),
    (["published", "published"], "published"),
    (["published", "needs_review"], "needs_review"),
    (["published", "failed", "missed"], "failed"),
    (["missed", "cancelled"], "missed"),
    (["published", "cancelled"], "published"),
    (["cancelled"], "cancelled"),
    (["paused", "paused"], "paused"),
])
def test_a_posts_status_summarises_its_deliveries(statuses, expected):
    assert summarise(statuses) == expected
