"""``python -m ingest`` with the loader change the benchmark proposes, to measure it.

    python -m bench.loadfix [same arguments as python -m ingest]

The change (see bench/RESULTS.md): on DuckDB, do not build the secondary indexes of the fact
tables (``ix_dossiers_batch``, ``ix_dossiers_received`` …). DuckDB never uses an ART index
for the range scans and aggregates the KPIs run (it prunes with zone maps) and uses one for a
point lookup only, yet it maintains every index row by row on insert and writes it at the
checkpoint; for a 1M-row load that is about a third of the database time. PostgreSQL keeps
them. In kpi/schema.py this is one call per index::

    sa.Index("ix_dossiers_received", ...).ddl_if(dialect="postgresql")

Primary keys (the upsert's key and its uniqueness check) stay on both engines. Everything
else runs the real command line unchanged.
"""

from __future__ import annotations

import sys

from kpi import schema as S

FACT_NAMES = ("dossiers", "ratings", "procedures", "feedback", "summaries")


def apply() -> list[str]:
    """Mark the fact tables' secondary indexes PostgreSQL-only; returns their names."""
    names = []
    for name in FACT_NAMES:
        for idx in S.metadata.tables[name].indexes:
            idx.ddl_if(dialect="postgresql")
            names.append(idx.name)
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    apply()
    from ingest.__main__ import main as ingest_main

    return ingest_main(argv)


if __name__ == "__main__":
    sys.exit(main())
