"""The emulator's state in SQLite: configuration objects as JSON rows, the catalog as tables.

One connection guarded by a lock: requests are served concurrently by the event loop,
but every read and write of state is serialised, so concurrent requests are safe.
Configuration (stores, plugins, tax groups, ...) is small and kept as JSON per object;
the catalog (products, variants, sizes, displays) can reach 100,000 products and is
kept in indexed tables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS product (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, product_number TEXT,
  country_id INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS product_updated ON product (updated_at, id);
CREATE TABLE IF NOT EXISTS variant (
  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, name TEXT, variant_number TEXT,
  status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS variant_product ON variant (product_id);
CREATE TABLE IF NOT EXISTS size (
  id INTEGER PRIMARY KEY, variant_id INTEGER NOT NULL, size_number TEXT, description TEXT,
  sku TEXT, gtin TEXT);
CREATE INDEX IF NOT EXISTS size_variant ON size (variant_id);
CREATE TABLE IF NOT EXISTS display (
  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, store_id INTEGER NOT NULL,
  name TEXT NOT NULL, description TEXT, status TEXT NOT NULL, uri TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS display_product ON display (product_id);
CREATE TABLE IF NOT EXISTS display_item (
  id INTEGER PRIMARY KEY, display_id INTEGER NOT NULL, variant_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS display_item_display ON display_item (display_id);
"""


# Credentials the emulator hands out but never writes down: a state file (and its WAL)
# holds only digests, so a copied or world-readable file gives nobody access.
SESSION_META = frozenset({"admin_token", "backoffice_password"})
SECRET_FIELDS = ("secretKey",)
SEALED = "hmac-sha256:"


class CentraState:
    """All state of one emulated Centra instance."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        if path != ":memory:":
            _private_file(path)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            for suffix in ("-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.chmod(path + suffix, 0o600)
        self.db.executescript(SCHEMA)
        self._session: dict[str, str] = {}
        # (listing, rows before) -> (updated_at, id) of the row that ends there
        self._cursors: dict[tuple[Any, ...], tuple[str, int]] = {}
        self._cursor_generation = -1

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a mutation with userErrors rolls back by raising."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # secrets ----------------------------------------------------------------
    def _secret_key(self) -> bytes:
        """The key of this state's digests (random per state; a digest is useless elsewhere)."""
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'digest_key'").fetchone()
            if row is None:
                key = secrets.token_hex(32)
                self.db.execute("INSERT INTO meta VALUES ('digest_key', ?)", (key,))
                return bytes.fromhex(key)
        return bytes.fromhex(str(row["value"]))

    def seal(self, secret: str) -> str:
        """What is stored for a plugin secret: a keyed digest, enough to compare against."""
        mac = hmac.new(self._secret_key(), secret.encode(), hashlib.sha256).hexdigest()
        return SEALED + mac

    def secret_matches(self, stored: Any, given: str) -> bool:
        """Whether `given` is the secret whose digest is `stored` (constant time)."""
        if not isinstance(stored, str) or not stored.startswith(SEALED) or not given:
            return False
        return hmac.compare_digest(stored, self.seal(given))

    def _sealed(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        settings = body.get("settings")
        if kind != "plugin" or not isinstance(settings, dict):
            return body
        sealed = dict(settings)
        for name in SECRET_FIELDS:
            value = sealed.get(name)
            if isinstance(value, str) and value and not value.startswith(SEALED):
                sealed[name] = self.seal(value)
        return {**body, "settings": sealed}

    # meta -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        if key in SESSION_META:
            return self._session.get(key)
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        if key in SESSION_META:  # kept in memory for this process only
            self._session[key] = value
            return
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # configuration objects ------------------------------------------------
    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT id, data FROM objects WHERE kind = ? ORDER BY id", (kind,)
            ).fetchall()
        return [{**json.loads(r["data"]), "id": r["id"]} for r in rows]

    def get(self, kind: str, obj_id: int) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT data FROM objects WHERE kind = ? AND id = ?", (kind, obj_id)
            ).fetchone()
        return {**json.loads(row["data"]), "id": obj_id} if row else None

    def insert(self, kind: str, data: dict[str, Any]) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT COALESCE(MAX(id), 0) + 1 AS next FROM objects WHERE kind = ?", (kind,)
            ).fetchone()
            obj_id = int(row["next"])
            body = self._sealed(kind, {k: v for k, v in data.items() if k != "id"})
            self.db.execute(
                "INSERT INTO objects VALUES (?, ?, ?)", (kind, obj_id, json.dumps(body))
            )
        return obj_id

    def put(self, kind: str, obj_id: int, data: dict[str, Any]) -> None:
        body = self._sealed(kind, {k: v for k, v in data.items() if k != "id"})
        with self.lock:
            self.db.execute(
                "UPDATE objects SET data = ? WHERE kind = ? AND id = ?",
                (json.dumps(body), kind, obj_id),
            )

    def delete(self, kind: str, obj_id: int) -> bool:
        with self.lock:
            cur = self.db.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, obj_id))
        return cur.rowcount > 0

    # catalog --------------------------------------------------------------
    def product_count(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT COUNT(*) FROM product").fetchone()[0])

    def products(
        self,
        statuses: list[str] | None,
        descending: bool,
        limit: int,
        offset: int,
        ids: list[int] | None = None,
        by_id: bool = False,
        name: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """One page of products with variants, sizes and displays loaded in four queries,
        ordered by (updated_at, id), or by id alone with `by_id` (ProductSort id_ASC/id_DESC).

        Pages are read by keyset on (updated_at, id) from where a recent page of the same
        listing ended, so page 3,000 costs what page 1 costs (an export reads pages in order,
        a few in flight); the answer is exactly what LIMIT/OFFSET would give, because any
        write to the database forgets every remembered page end."""
        where, params = _where_in(status=statuses or None, id=ids)
        where, params = _where_name(where, params, name)
        order, cmp = ("DESC", "<") if descending else ("ASC", ">")
        named = tuple(sorted((name or {}).items()))
        listing = (
            (tuple(statuses or ()), descending, limit, by_id, named)
            if ids is None and limit
            else None
        )
        with self.lock:
            start = self._page_end(listing, offset)
            if start is not None:
                skip, (stamp, pid) = start
                where += " AND " if where else " WHERE "
                if by_id:
                    where += f"id {cmp} ?"
                    params += [pid]
                else:
                    where += f"(updated_at, id) {cmp} (?, ?)"
                    params += [stamp, pid]
            keys = f"id {order}" if by_id else f"updated_at {order}, id {order}"
            sql = f"SELECT * FROM product{where} ORDER BY {keys} LIMIT ? OFFSET ?"
            skipped = offset if start is None else skip
            products = [dict(r) for r in self.db.execute(sql, (*params, limit, skipped))]
            if listing is not None and products:
                last = products[-1]
                self._cursors[(listing, offset + len(products))] = (
                    last["updated_at"],
                    last["id"],
                )
            self._attach_catalog(products)
        return products

    def _page_end(
        self, listing: tuple[Any, ...] | None, offset: int
    ) -> tuple[int, tuple[str, int]] | None:
        """The nearest remembered row before `offset` in this listing (at most a few pages
        back), and how many rows after it to skip; None to fall back to OFFSET."""
        if self._cursor_generation != self.db.total_changes or len(self._cursors) > 4096:
            self._cursors.clear()
            self._cursor_generation = self.db.total_changes
        if listing is None or offset <= 0:
            return None
        limit = listing[2]
        for back in range(0, 16 * limit, limit):
            end = self._cursors.get((listing, offset - back))
            if end is not None:
                return back, end
        return None

    def _attach_catalog(self, products: list[dict[str, Any]]) -> None:
        if not products:
            return
        ids = [p["id"] for p in products]
        marks = ",".join("?" * len(ids))
        variants = [
            dict(r)
            for r in self.db.execute(
                f"SELECT * FROM variant WHERE product_id IN ({marks}) ORDER BY id", ids
            )
        ]
        vids = [v["id"] for v in variants] or [-1]
        sizes = self.db.execute(
            f"SELECT * FROM size WHERE variant_id IN ({','.join('?' * len(vids))}) ORDER BY id",
            vids,
        ).fetchall()
        displays = [
            dict(r)
            for r in self.db.execute(
                f"SELECT * FROM display WHERE product_id IN ({marks}) ORDER BY id", ids
            )
        ]
        dids = [d["id"] for d in displays] or [-1]
        items = self.db.execute(
            f"SELECT * FROM display_item WHERE display_id IN ({','.join('?' * len(dids))})"
            " ORDER BY id",
            dids,
        ).fetchall()
        by_variant: dict[int, dict[str, Any]] = {}
        for v in variants:
            v["sizes"] = []
            by_variant[v["id"]] = v
        for s in sizes:
            by_variant[s["variant_id"]]["sizes"].append(dict(s))
        by_display: dict[int, dict[str, Any]] = {}
        for d in displays:
            d["items"] = []
            by_display[d["id"]] = d
        for it in items:
            by_display[it["display_id"]]["items"].append(
                {"id": it["id"], "variant": by_variant.get(it["variant_id"])}
            )
        by_product = {p["id"]: p for p in products}
        for p in products:
            p["variants"], p["displays"] = [], []
        for v in variants:
            by_product[v["product_id"]]["variants"].append(v)
        for d in displays:
            by_product[d["product_id"]]["displays"].append(d)

    def count_products(self, statuses: list[str] | None, name: dict[str, Any] | None = None) -> int:
        """`counters { products(where: ...) }` (PIM:2531-2533)."""
        where, params = _where_name(*_where_in(status=statuses or None), name)
        with self.lock:
            row = self.db.execute(f"SELECT COUNT(*) FROM product{where}", params).fetchone()
        return int(row[0])

    def displays_of_items(self, item_ids: list[int]) -> list[int]:
        where, params = _where_in(id=item_ids)
        with self.lock:
            rows = self.db.execute(f"SELECT DISTINCT display_id FROM display_item{where}", params)
            return [int(r[0]) for r in rows]

    def displays(
        self,
        ids: list[int] | None,
        store_ids: list[int] | None,
        descending: bool,
        limit: int,
        offset: int,
        statuses: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        where, params = _where_in(
            id=ids or None, store_id=store_ids or None, status=statuses or None
        )
        order = "DESC" if descending else "ASC"
        sql = f"SELECT product_id, id FROM display{where} ORDER BY id {order} LIMIT ? OFFSET ?"
        with self.lock:
            rows = self.db.execute(sql, (*params, limit, offset)).fetchall()
            products = [
                dict(r)
                for r in self.db.execute(
                    f"SELECT * FROM product WHERE id IN ({','.join('?' * len(rows)) or 'NULL'})",
                    [r["product_id"] for r in rows],
                )
            ]
            self._attach_catalog(products)
        found = {d["id"]: d for p in products for d in p["displays"]}
        return [found[r["id"]] for r in rows if r["id"] in found]


def _where_name(
    where: str, params: list[Any], match: dict[str, Any] | None
) -> tuple[str, list[Any]]:
    """ProductFilter.name as a StringMatch: `contains` (case-insensitive) and `equals`."""
    clauses = []
    if match and match.get("contains") is not None:
        clauses.append("name LIKE ? ESCAPE '\\'")
        needle = str(match["contains"]).replace("\\", "\\\\").replace("%", "\\%")
        params = [*params, "%" + needle.replace("_", "\\_") + "%"]
    if match and match.get("equals") is not None:
        clauses.append("name = ?")
        params = [*params, match["equals"]]
    if not clauses:
        return where, params
    return where + (" AND " if where else " WHERE ") + " AND ".join(clauses), params


def _where_in(**columns: list[Any] | None) -> tuple[str, list[Any]]:
    """` WHERE a IN (?, ...) AND b IN (...)` for the columns given a list, and its params."""
    clauses, params = [], []
    for column, values in columns.items():
        if values is not None:
            clauses.append(f"{column} IN ({','.join('?' * len(values)) or 'NULL'})")
            params += list(values)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _private_file(path: str) -> None:
    """Create the state file 0600 (or tighten an existing one) before SQLite opens it; SQLite
    gives its WAL and shared-memory files the database file's permissions."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
