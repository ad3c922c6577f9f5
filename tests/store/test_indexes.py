"""Indexes: every hot-path index exists, and a second start creates nothing new."""

from __future__ import annotations

from store import INDEXES, ensure_indexes


async def test_every_index_exists_and_ensuring_again_changes_nothing(db):
    await ensure_indexes(db)
    before = {name: await db[name].index_information() for name in INDEXES}
    for collection, indexes in INDEXES.items():
        keys = [info["key"] for info in before[collection].values()]
        for wanted in indexes:
            assert [tuple(k) for k in wanted] in [[tuple(k) for k in key] for key in keys]
    await ensure_indexes(db)
    assert {name: await db[name].index_information() for name in INDEXES} == before
