"""Many rows written with bound parameters: the write path of bulk ingest.

Django's ``bulk_create`` and ``bulk_update`` compile every value into their SQL, and its client-side
cursor merges the values into the SQL text; for a batch of mail that costs more than the rest of the
batch together (docs/decisions.md, "Ingest writes its hottest statements with bound parameters").
Values are still prepared by the model fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def executemany(sql: str, rows: list[list[Any]]) -> None:
    """Run one statement per row, pipelined, on the default connection inside its transaction.

    On PostgreSQL the values travel as bound parameters (raw mail as binary) instead of being
    merged into the SQL text by Django's client-side cursor: PostgreSQL then parses one short
    statement instead of a 12 KB hex literal per mail, and the client escapes nothing.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert(objs: Sequence[models.Model]) -> None:
    """INSERT unsaved model instances of one model (with an auto-increment primary key) and set their
    primary keys, as ``bulk_create`` does (no signals either).

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(...)`` with a bound array per column, sent in
    binary: Django's own builds the same statement, but compiles every value into its SQL and merges
    the arrays into the SQL text as literals, escaping every quote of every JSON value with a regular
    expression. Elsewhere ``bulk_create``.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    import psycopg

    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    arrays = ", ".join(f"%b::{f.cast_db_type(connection)}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}) "
        f"RETURNING {quote(str(pk.column))}"
    )
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: ``connection`` looks it up on every use
    values = [[f.get_db_prep_save(f.pre_save(obj, True), db) for obj in objs] for f in fields]
    db.ensure_connection()
    with psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, values)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, value in zip(objs, ids, strict=True):
        obj.pk = value
        obj._state.adding = False
        obj._state.db = db.alias
