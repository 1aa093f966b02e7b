"""Kill tests: SIGKILL a real process during one large write to an on-disk store; the reopened store
holds the write entirely or not at all (tests/store/crash.py; bench/store_crash.py runs more kills)."""

from __future__ import annotations

import pytest

from tests.store.crash import campaign

KILLS = 3


@pytest.mark.parametrize("mode, rows", [("replace", 20_000), ("import", 60_000), ("load", 60_000), ("staged", 60_000)])
def test_a_killed_write_is_whole_or_absent(mode: str, rows: int) -> None:
    outcome = campaign(mode, KILLS, rows)
    assert outcome.failed_opens == 0, outcome.notes
    assert outcome.partial == 0, outcome.notes
    assert outcome.without_record == 0, outcome.notes
    assert outcome.journal_left == 0
    assert outcome.whole + outcome.absent == KILLS
