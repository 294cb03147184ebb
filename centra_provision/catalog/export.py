"""`provision catalog export`: the guide's initial-catalog extraction, done right.

Same CSV as the guide's script (one row per product size of each display in the store;
"N/A" for no country of origin), but: it stops on an empty page, or on a short one only
where Centra is known to fill pages of that size (centra/paging.py); it pages concurrently under
the client's rate limiter and writes rows in page order as pages arrive; memory stays flat
(rows stream to the file; seen products are a bitmap); an id sort is used when the live
schema offers one, otherwise products that change during the export (they jump to the top
of `updatedAt_DESC`) are caught by a final pass and duplicates from shifted pages are
dropped; a checkpoint beside the output lets `--resume` continue after an interruption.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from centra_provision.catalog.checkpoint import Checkpoint
from centra_provision.centra import operations
from centra_provision.centra.client import CentraClient, RetryPolicy
from centra_provision.centra.discovery import Capabilities
from centra_provision.centra.ratelimit import DEFAULT_SHARE
from centra_provision.centra.reader import read_stores
from centra_provision.clock import SYSTEM_CLOCK, Clock
from centra_provision.engine.session import EnvironmentSession, RunOptions, run_session
from centra_provision.errors import UsageError
from centra_provision.manifest.desired import load_desired_state

HEADER = [
    "Product Unique Identifier",
    "SKU",
    "Display Name",
    "Product Description",
    "Country of Origin",
]
ID_SORTS = ("id_ASC", "productId_ASC")


@dataclass(frozen=True)
class ExportOptions:
    output: str  # a path, or "-" for stdout
    store_id: int | None = None  # by id, or
    store: str | None = None  # by name; neither: the environment's `defaultStore` variable
    statuses: tuple[str, ...] = ("ACTIVE",)
    page_size: int = 30
    resume: bool = False
    concurrency: int = 6
    url_override: str | None = None
    retry: RetryPolicy | None = None
    rate_share: float = DEFAULT_SHARE  # the most of each Centra rate-limit bucket to take
    clock: Clock = SYSTEM_CLOCK  # what rate limits and retries wait on


@dataclass
class ExportResult:
    rows: int = 0
    products: int = 0
    pages: int = 0
    sort: str = ""
    changed_during_export: int = 0
    requests: int = 0


def rows_of(product: dict[str, Any]) -> list[list[Any]]:
    """The guide's rows for one product."""
    country = (product.get("countryOfOrigin") or {}).get("code") or "N/A"
    rows = []
    for display in product.get("displays") or []:
        for item in display.get("displayItems") or []:
            variant = item.get("productVariant") or {}
            for size in variant.get("productSizes") or []:
                rows.append(
                    [size["id"], size["SKU"], display["name"], display["description"], country]
                )
    return rows


def _sort_for(caps: Capabilities) -> str:
    enum = caps.schema.get_type("ProductSort")
    values = set(getattr(enum, "values", {}) or {})
    return next((s for s in ID_SORTS if s in values), "updatedAt_DESC")


class Watcher(Protocol):
    """What a progress display hears: each page written, each wait on the rate limiter."""

    def page(self, pages: int, rows: int) -> None: ...

    def waiting(self, seconds: float, reason: str) -> None: ...


class Exporter:
    def __init__(
        self,
        client: CentraClient,
        caps: Capabilities,
        options: ExportOptions,
        out: IO[str],
        checkpoint: Checkpoint,
        on_page: Callable[[int, int], None] | None = None,
        store_id: int = 1,
    ) -> None:
        self.client = client
        self.options = options
        self.out = out
        self.writer = csv.writer(out)
        self.checkpoint = checkpoint
        self.sort = _sort_for(caps)
        self.pages = caps.pages
        self.document = operations.text(caps.prepare(operations.load("catalog_page")))
        self.seen = checkpoint.seen
        self.written: list[int] = []  # product ids written since the last commit
        self.on_page = on_page
        self.store_id = store_id
        self.result = ExportResult(
            rows=checkpoint.rows,
            products=checkpoint.products,
            pages=checkpoint.pages,
            sort=self.sort,
        )

    async def page(self, number: int) -> list[dict[str, Any]]:
        data = await self.client.execute(
            self.document,
            {
                "status": list(self.options.statuses),
                "storeId": [self.store_id],
                "sort": [self.sort],
                "limit": self.options.page_size,
                "page": number,
            },
            operation_name="CatalogPage",
        )
        return list(data.get("products") or [])

    def write(self, products: list[dict[str, Any]]) -> int:
        """Write the products not written before; how many that was."""
        fresh = 0
        for product in products:
            if not self.seen.add(int(product["id"])):
                continue  # a page shifted under us: this product was written already
            fresh += 1
            self.written.append(int(product["id"]))
            rows = rows_of(product)
            self.writer.writerows(rows)
            self.result.rows += len(rows)
            self.result.products += 1
        return fresh

    def last(self, products: list[dict[str, Any]], fresh: int) -> bool:
        """Whether this page ends the catalog: an empty page or one with nothing new does;
        a short one only when Centra is known to fill pages of this size (a Centra that
        caps pages below --page-size would otherwise end the export early)."""
        asked = self.options.page_size
        return self.pages.ends("products", len(products), asked) or (bool(products) and not fresh)

    def commit(self, number: int) -> None:
        self.out.flush()
        offset = self.out.tell() if self.out.seekable() else 0
        self.checkpoint.append(number, offset, self.result.rows, self.result.products, self.written)
        self.written = []
        self.result.pages = number
        if self.on_page:
            self.on_page(number, self.result.rows)

    async def run(self) -> ExportResult:
        """Pages in a sliding window of concurrent requests, written strictly in order."""
        next_to_write = self.checkpoint.pages + 1
        next_to_fetch = next_to_write
        pending: dict[int, asyncio.Task[list[dict[str, Any]]]] = {}
        done = False
        try:
            while not done:
                while not done and len(pending) < self.options.concurrency:
                    pending[next_to_fetch] = asyncio.create_task(self.page(next_to_fetch))
                    next_to_fetch += 1
                products = await pending.pop(next_to_write)
                fresh = self.write(products)
                self.commit(next_to_write)
                next_to_write += 1
                done = self.last(products, fresh)
        finally:  # on success and on failure alike: no page request outlives the export
            for task in pending.values():
                task.cancel()
            await asyncio.gather(*pending.values(), return_exceptions=True)
        if self.sort == "updatedAt_DESC":
            await self.catch_up()
        return self.result

    async def catch_up(self) -> None:
        """Products updated after the export started sit at the top of updatedAt_DESC;
        read from the top until products are older than the start, writing unseen ones."""
        started = datetime.fromisoformat(self.checkpoint.started).replace(microsecond=0)
        number = 1
        while True:
            products = await self.page(number)
            fresh = [p for p in products if _changed_since(p.get("updatedAt"), started)]
            self.result.changed_during_export += len(fresh)
            self.write(fresh)
            if len(fresh) < len(products) or self.pages.ends(
                "products", len(products), self.options.page_size
            ):
                break
            number += 1
        self.out.flush()


def _changed_since(updated_at: object, started: datetime) -> bool:
    """Whether Centra's `updatedAt` is at or after the export's start, compared as instants
    (not as text: Centra shows whole seconds, in its own UTC offset). The start's own second
    counts as after it: a change a moment after the start shows that very second."""
    try:
        at = datetime.fromisoformat(str(updated_at))
    except ValueError:
        return False
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) >= started


def _key(options: ExportOptions, store_id: int) -> str:
    text = json.dumps([store_id, sorted(options.statuses), options.page_size])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class UnknownStoreError(UsageError):
    """The store asked for does not exist in this Centra (never a header-only CSV)."""


async def resolve_store(
    client: CentraClient, caps: Capabilities, options: ExportOptions, default: object
) -> int:
    """The id of the store to export: --store-id, --store NAME, or the environment's
    `defaultStore`; anything Centra does not have is an error listing the stores it has."""
    stores = await read_stores(client, caps)
    known = ", ".join(f"{s.name} (id {s.id})" for s in sorted(stores.values(), key=lambda s: s.id))
    if options.store_id is not None:
        if any(s.id == options.store_id for s in stores.values()):
            return options.store_id
        raise UnknownStoreError(f"no store with id {options.store_id} in Centra (known: {known})")
    name = options.store or default
    if not isinstance(name, str) or not name:
        raise UnknownStoreError(
            f"no store named: pass --store NAME or set the variable defaultStore (known: {known})"
        )
    if name not in stores:
        raise UnknownStoreError(f"no store named '{name}' in Centra (known: {known})")
    return stores[name].id


def _check_output(options: ExportOptions) -> Path | None:
    """The output path, refused before any request when it cannot be written."""
    if options.output == "-":
        if options.resume:
            raise UsageError("--resume needs a file output (-o FILE)")
        return None
    path = Path(options.output)
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder")
    return path


def _open_output(
    path: Path | None, options: ExportOptions, store_id: int
) -> tuple[IO[str], Checkpoint]:
    ck_path = None if path is None else path.with_name(path.name + ".checkpoint.json")
    out: IO[str]
    if path is not None and options.resume and ck_path is not None:
        checkpoint = Checkpoint.load(ck_path, _key(options, store_id))
        out = open(path, "r+", newline="", encoding="utf-8")  # noqa: SIM115 - closed by caller
        out.truncate(checkpoint.offset)
        out.seek(checkpoint.offset)
        return out, checkpoint
    checkpoint = Checkpoint(ck_path, _key(options, store_id))
    out = (
        sys.stdout if path is None else open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed by caller
    )
    csv.writer(out).writerow(HEADER)
    checkpoint.offset = out.tell() if out.seekable() else 0
    checkpoint.start()
    return out, checkpoint


def export_catalog(
    root: Path, env_name: str, options: ExportOptions, watcher: Watcher | None = None
) -> ExportResult:
    if options.page_size < 1 or options.page_size > 1000:
        raise UsageError("--page-size must be from 1 to 1000")
    desired = load_desired_state(root, env_name)
    path = _check_output(options)
    opened: list[IO[str]] = []

    async def work(session: EnvironmentSession) -> ExportResult:
        client = session.conn.client
        if watcher is not None:
            client.limiter.on_wait = watcher.waiting
        caps = await session.capabilities()
        default = desired.environment.variables.get("defaultStore")
        store_id = await resolve_store(client, caps, options, default)
        out, checkpoint = _open_output(path, options, store_id)
        opened.append(out)
        on_page = watcher.page if watcher is not None else None
        exporter = Exporter(client, caps, options, out, checkpoint, on_page, store_id)
        result = await exporter.run()
        result.requests = client.count.sent
        if checkpoint.path is not None:
            checkpoint.path.unlink(missing_ok=True)  # finished: nothing to resume
        return result

    run = RunOptions(options.url_override, (), options.retry, options.rate_share, options.clock)
    try:
        return run_session(root, env_name, run, work, with_state=False, desired=desired)
    finally:
        for out in opened:
            out.flush()
            if out is not sys.stdout:
                out.close()
