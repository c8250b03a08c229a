"""``python -m ingest`` with the loader changes the benchmark proposes, to measure them.

    BENCH_LOADFIX=allocator,indexes python -m bench.loadfix [same arguments as python -m ingest]

``BENCH_LOADFIX`` lists the changes to apply (default: ``allocator,indexes``); everything else
is the real command line, unchanged. The changes (measured in bench/RESULTS.md; all of them are
in the code since issue 13, so they change nothing now):

``allocator`` — Arrow buffers from the system allocator instead of pyarrow's default
    (mimalloc). The reader makes many short-lived column-sized Arrow buffers; mimalloc hands
    freed pages back to the kernel at once and the next buffer faults them in again, which
    shows up as seconds of *system* time (page faults) on a 1M-row file. One line in
    ingest/files.py (or ingest/reader.py), at import::

        pa.set_memory_pool(pa.system_memory_pool())

``indexes`` — on DuckDB, do not build the secondary indexes of the fact tables
    (``ix_dossiers_batch``, ``ix_dossiers_received`` …). DuckDB never uses an ART index for the
    range scans and aggregates the KPIs run (it prunes with zone maps; EXPLAIN shows a
    sequential scan with the index present), yet it maintains every index on insert and
    writes it at the checkpoint. PostgreSQL keeps them. In kpi/schema.py, one call per index::

        sa.Index("ix_dossiers_received", ...).ddl_if(dialect="postgresql")

    Primary keys (the upsert's key and its uniqueness check) stay on both engines.

``threads`` — the reader's per-column work (text clean-up, then parsing) in a thread pool:
    Arrow compute releases the GIL, so the columns are cleaned on both cores; today the whole
    reader runs on one core while DuckDB's CSV reader uses both.

``direct`` — the first load of a unit (no row of that unit in the table yet) inserts the frame
    straight into the fact table, skipping the staging table and the join queries of the
    upsert (ingest/load.py ``_upsert``); counts are then inserted = rows, nothing updated.
    Measured: no gain (the primary-key index, not the staging copy, is the database's cost).

``primary_key`` — on DuckDB, fact tables without their PRIMARY KEY (the ART index behind it).
    In the code since migration 0008 (issue 13): the loader checks the key in the load's
    transaction instead (``ingest.load.check_unique``), so this changes nothing now.

``keys_enforced`` — the other way round: the PRIMARY KEY back on DuckDB's fact tables, as
    before migration 0008; the benchmark loads with it for context and checks that both
    store the same rows.
"""

from __future__ import annotations

import os
import sys

from kpi import schema as S

FACT_NAMES = ("dossiers", "ratings", "procedures", "feedback", "summaries")
DEFAULT = "allocator,indexes"


def use_system_allocator() -> None:
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def duckdb_without_secondary_indexes() -> list[str]:
    """Mark the fact tables' secondary indexes PostgreSQL-only; returns their names."""
    names = []
    for name in FACT_NAMES:
        for idx in S.metadata.tables[name].indexes:
            idx.ddl_if(dialect="postgresql")
            names.append(idx.name)
    return sorted(names)


def direct_first_load() -> None:
    import sqlalchemy as sa

    from ingest import load as L

    upsert = L._upsert

    def _upsert(conn, table, history, keys, columns, frame, unit_id, batch_id, as_of, guard=False):
        has_rows = conn.execute(
            sa.select(sa.literal(1)).select_from(table).where(table.c.unit_id == unit_id).limit(1)
        ).first()
        if has_rows is not None:
            return upsert(conn, table, history, keys, columns, frame, unit_id, batch_id, as_of, guard)
        if L._is_arrow(frame):  # the reader's rows now arrive as Arrow
            from ingest.model import arrow_to_frame

            frame = arrow_to_frame(frame)
        data = frame[keys + columns].copy()
        data.insert(0, "unit_id", unit_id)
        data["batch_id"] = batch_id
        data["created_batch_id"] = batch_id
        data["as_of"] = as_of
        L.bulk_insert(conn, table, data)
        return L._Counts(len(data), 0, 0, 0, 0, [])

    L._upsert = _upsert


def duckdb_without_primary_keys() -> None:
    """Fact tables without PRIMARY KEY on DuckDB (the code's own choice since migration 0008)."""
    for name in FACT_NAMES:
        S.metadata.tables[name].primary_key.ddl_if(dialect="postgresql")


def duckdb_with_primary_keys() -> None:
    """The fact tables' PRIMARY KEY on DuckDB too, as before migration 0008: what the key's
    index costs, and a reference that the rows stored without it are the same."""
    for name in FACT_NAMES:
        S.metadata.tables[name].primary_key.ddl_if(callable_=lambda *a, **k: True)


def threaded_text_cleanup() -> None:
    """Clean the text of every column in a 2-thread pool as soon as the CSV is read (Arrow
    compute releases the GIL). Demonstrated through a cache in front of ``values.as_text``;
    the change proposed for ingest/reader.py ``_read_records`` is the plain one::

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            texts = dict(zip(order, pool.map(lambda i: X.as_text(raw[i]), order)))

    and the same for the per-column ``parse_*`` calls (parse in the pool, then add their
    problems in column order as now)."""
    from concurrent.futures import ThreadPoolExecutor

    from ingest import files as F
    from ingest import values as X

    as_text, finish = X.as_text, F._finish_csv
    cache: dict[int, tuple] = {}

    def _finish_csv(frame, start, columns):
        frame, rows = finish(frame, start, columns)
        cols = [frame[c] for c in frame.columns]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for col, text in zip(cols, pool.map(as_text, cols)):
                cache[id(col.array)] = (col.array, text)  # keep the array: its id stays valid
        return frame, rows

    def _as_text(s):
        hit = cache.pop(id(s.array), None)
        if hit is not None and hit[0] is s.array and hit[1].index.equals(s.index):
            return hit[1]
        return as_text(s)

    F._finish_csv = _finish_csv
    X.as_text = _as_text


CHANGES = {
    "threads": threaded_text_cleanup,
    "allocator": use_system_allocator,
    "indexes": duckdb_without_secondary_indexes,
    "direct": direct_first_load,
    "primary_key": duckdb_without_primary_keys,
    "keys_enforced": duckdb_with_primary_keys,
}


def apply(names: str | None = None) -> list[str]:
    chosen = [n for n in (names if names is not None else os.environ.get("BENCH_LOADFIX", DEFAULT)).split(",") if n]
    for n in chosen:
        CHANGES[n]()
    return chosen


def main(argv: list[str] | None = None) -> int:
    apply()
    from ingest.__main__ import main as ingest_main

    return ingest_main(argv)


if __name__ == "__main__":
    sys.exit(main())
