"""Migration 0007: uploads stored before it learn the first day they cover, from their stated
period, else the earliest received / rated date of the rows they wrote (replaced versions
included), on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import db as kdb
from kpi import migrate
from kpi.schema import metadata


def test_existing_batches_are_backfilled(db_url):
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
        migrate.upgrade(conn, "0003")
    now = dt.datetime(2026, 4, 1, 9, 0)
    with kdb.connect(engine, write=True) as conn:
        x = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
        x("INSERT INTO units (name, created_at) VALUES ('Xã Lộc Tân', :t)", t=now)
        uid = conn.execute(sa.text("SELECT id FROM units")).scalar_one()
        ids = {}
        for name, kind, pstart in [("titled", "dossiers", dt.date(2026, 3, 1)),
                                   ("plain", "dossiers", None), ("replaced", "dossiers", None),
                                   ("ratings", "ratings", None), ("catalogue", "procedures", None)]:
            x("INSERT INTO batches (unit_id, kind, file_name, sha256, as_of, period_start, "
              "uploaded_at, status) VALUES (:u, :k, :n, :n, :a, :p, :t, 'loaded')",
              u=uid, k=kind, n=name, a=dt.date(2026, 3, 31), p=pstart, t=now)
            ids[name] = conn.execute(sa.text("SELECT id FROM batches WHERE file_name = :n"),
                                     {"n": name}).scalar_one()
        row = ("INSERT INTO dossiers (unit_id, dossier_code, received_at, batch_id, "
               "created_batch_id) VALUES (:u, :c, :r, :b, :cb)")
        x(row, u=uid, c="T1", r=dt.datetime(2026, 2, 20, 8), b=ids["titled"], cb=ids["titled"])
        x(row, u=uid, c="P1", r=dt.datetime(2026, 3, 4, 8), b=ids["plain"], cb=ids["plain"])
        x(row, u=uid, c="P2", r=dt.datetime(2026, 3, 2, 8), b=ids["replaced"], cb=ids["plain"])
        # The version of R1 the "replaced" upload wrote, later replaced by another upload.
        x("INSERT INTO dossiers_history (replaced_by_batch_id, unit_id, dossier_code, "
          "received_at, batch_id, created_batch_id) VALUES (99, :u, 'R1', :r, :b, :b)",
          u=uid, r=dt.datetime(2026, 2, 25, 8), b=ids["replaced"])
        x("INSERT INTO ratings (unit_id, rating_key, rated_at, batch_id, created_batch_id) "
          "VALUES (:u, 'k', :r, :b, :b)", u=uid, r=dt.datetime(2026, 3, 9, 10), b=ids["ratings"])
    with kdb.connect(engine, write=True) as conn:
        migrate.upgrade(conn)
        assert migrate.current_revision(conn) == migrate.head_revision()
    with kdb.connect(engine) as conn:
        got = dict(conn.execute(sa.text("SELECT file_name, covers_from FROM batches")).all())
    assert got == {"titled": dt.date(2026, 3, 1), "plain": dt.date(2026, 3, 2),
                   "replaced": dt.date(2026, 2, 25), "ratings": dt.date(2026, 3, 9),
                   "catalogue": None}
