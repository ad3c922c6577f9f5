"""Give a FerretDB v1 SQLite database the ``_id`` index its own lookups can use.

FerretDB v1.24.2 creates each collection's unique ``_id_`` index on the expression
``_ferretdb_sjson->"_id"``, but looks documents up by ``_ferretdb_sjson->'$._id' = ?``.
SQLite only uses an expression index for the identical expression, so every find, update and
delete by ``_id`` scans the table in insertion order (``explain`` shows ``SCAN``): a lookup in
a 10,000-document collection costs about 12 ms, an update about 31 ms. MongoDB answers both
from its ``_id`` index.

This tool adds a second, non-unique index on FerretDB's own lookup expression to every
collection table of one database, directly in the SQLite file (FerretDB's metadata is left
untouched; SQLite picks the index up in FerretDB's open connections at once). It is for
benchmarks only, to measure this project with a store that answers ``_id`` lookups from an
index as MongoDB does; the system itself never touches FerretDB's files. ``--watch`` repeats
for collections created later.

    .venv/bin/python -m bench.ferretdb_id_index --database csms [--dir .local/ferretdb] [--watch 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

LOOKUP = "_ferretdb_sjson->'$._id'"  # FerretDB's WHERE expression (metadata.IDColumn)


def index_all(db_file: Path) -> list[str]:
    """Add the lookup index to every collection table that lacks it; the collections indexed."""
    with sqlite3.connect(db_file, timeout=30) as conn:
        tables = conn.execute("SELECT name, table_name FROM _ferretdb_collections").fetchall()
        existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        done = []
        for collection, table in tables:
            index = f"{table}_id_lookup"
            if index in existing:
                continue
            conn.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ({LOOKUP})')
            done.append(collection)
        return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="MongoDB database name (MONGO_DB)")
    parser.add_argument("--dir", default=".local/ferretdb", help="FerretDB's --sqlite-url dir")
    parser.add_argument("--watch", type=float, default=0, help="repeat every S seconds")
    args = parser.parse_args()
    db_file = Path(args.dir) / f"{args.database}.sqlite"
    waiting_said = False
    while True:
        if db_file.exists():
            for collection in index_all(db_file):
                print(f"indexed {args.database}.{collection} on {LOOKUP}", flush=True)
        elif not args.watch:
            raise SystemExit(f"error: {db_file} does not exist (no collection created yet?)")
        elif not waiting_said:  # a FerretDB serving another --sqlite-url dir looks the same
            print(f"waiting for {db_file} (is FerretDB's --sqlite-url this dir?)", flush=True)
            waiting_said = True
        if not args.watch:
            return
        time.sleep(args.watch)


if __name__ == "__main__":
    main()
