"""`provision import`: manifests for what live Centra already has, so a merchant configured
by hand can be adopted. Everything Centra shows is written as values; everything it cannot
show is written as a commented placeholder, never guessed. Planning the imported manifests
shows no change on observed fields."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from centra_provision.centra.reader import read_everything
from centra_provision.engine.session import EnvironmentSession, RunOptions, load_ledger, run_session
from centra_provision.errors import UsageError
from centra_provision.manifest.desired import DesiredState, check_context, load_desired_state
from centra_provision.resources import KINDS, Resource, countries
from centra_provision.resources.base import ImportedDocument, ObserveContext, flatten
from centra_provision.resources.live import LiveState
from centra_provision.source import SourceDocument
from centra_provision.state.lock import state_lock
from centra_provision.state.snapshot import record_snapshots
from centra_provision.values import number


def document_text(doc: ImportedDocument) -> str:
    """One document as YAML: lists of scalars on one line, then the placeholders for what
    Centra cannot show, commented."""
    body = yaml.dump(
        _plain({"kind": doc.kind, "metadata": {"name": doc.name}, "spec": doc.spec}),
        Dumper=_ShortDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,  # lists of scalars on one line: [SE, NO]
    )
    if doc.placeholders:
        body += "  # Centra cannot show these; fill them in from the back office:\n"
        body += "".join(f"  # {p}\n" for p in doc.placeholders)
    return body


# The kinds import reads from Centra; the others (the token) Centra cannot show at all.
IMPORTED_KINDS = frozenset(name for name, kind in KINDS.items() if kind.adopt is not None)


def documents(live: LiveState) -> list[ImportedDocument]:
    """Every kind's documents for what Centra has, file by file in the kinds' order, and
    within a file grouped by store (a store's plugins together)."""
    docs = [doc for kind in KINDS.values() if kind.adopt for doc in kind.adopt(live)]
    files = list(dict.fromkeys(doc.file for doc in docs))
    kinds = list(KINDS)
    return sorted(
        docs,
        key=lambda d: (files.index(d.file), str(d.spec.get("store", "")), kinds.index(d.kind)),
    )


def _snapshot_imported(
    desired: DesiredState,
    docs: list[ImportedDocument],
    live: LiveState,
    url_override: str | None = None,
    record: bool = False,
) -> None:
    """The environment's ledger keeps what Centra showed of each imported resource, so drift
    on the imported manifests sees later changes outside them. With `record`, the adopted
    values themselves are recorded too (source "import", listed by `state list`)."""
    env = desired.environment
    resources = [
        Resource(
            d.kind,
            d.name,
            KINDS[d.kind].identity(d.name, d.spec),
            d.spec,
            "present",
            SourceDocument(d.file, {"kind": d.kind, "metadata": {"name": d.name}, "spec": d.spec}),
        )
        for d in docs
    ]
    with state_lock(env.ledger_location, env.name, "import"):
        ledger = load_ledger(env, url_override)
        ctx = ObserveContext(live, {}, check_context(env))
        changed = record_snapshots(ledger, resources, ctx, "import")
        if record:
            for doc in docs:
                address = f"{doc.kind}/{doc.name}"
                for path, value in flatten(doc.spec):
                    ledger.remember(address, path, value, "import")
        if changed or record:
            ledger.save()


class ImportRefused(UsageError):
    """The output folder already holds manifests: import never overwrites unasked."""


@dataclass(frozen=True)
class ImportResult:
    docs: tuple[ImportedDocument, ...]  # everything Centra has, in full
    written: tuple[ImportedDocument, ...]  # what was written: only what differs from the base
    from_base: tuple[str, ...]  # addresses Centra has exactly as the base says
    missing: tuple[str, ...]  # addresses the base declares that Centra lacks (plan creates)
    unreadable: tuple[str, ...]  # in the base, of kinds Centra cannot show (tokens): kept
    replaced: tuple[Path, ...]  # manifests --force replaced
    bases: tuple[str, ...]  # base folders copied beside the environment
    folder: Path


def existing_manifests(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def import_environment(
    root: Path,
    env_name: str,
    output: Path,
    url_override: str | None = None,
    record: bool = False,
    force: bool = False,
) -> ImportResult:
    """Read live Centra for `env_name` and write a manifest root at `output`: the same
    Environment (its bases and variables kept), the bases beside it, and per kind only what
    Centra has that differs from the bases. A folder that holds manifests is refused unless
    `force` (then they are replaced, and listed)."""
    desired = load_desired_state(root, env_name)
    env = desired.environment
    folder = output / env_name
    existing = _refuse_unasked_overwrite(folder, force)
    options = RunOptions(url_override)
    live = run_session(root, env_name, options, _read_everything, with_state=False, desired=desired)
    base = _base_specs(root, env_name, env.doc.data)
    docs = _named_as_base(documents(live), base)
    written, same = _against_base(docs, base)
    have = {(d.kind, d.name) for d in docs}
    missing = tuple(f"{k}/{n}" for (k, n) in base if k in IMPORTED_KINDS and (k, n) not in have)
    unreadable = tuple(f"{k}/{n}" for (k, n) in base if k not in IMPORTED_KINDS)
    _snapshot_imported(desired, docs, live, url_override, record)
    bases = _copy_bases(root, output, env.includes)
    for path in existing:
        path.unlink()
    _write(folder, env.doc.data, written)
    return ImportResult(
        tuple(docs), written, same, missing, unreadable, tuple(existing), bases, folder
    )


def _refuse_unasked_overwrite(folder: Path, force: bool) -> list[Path]:
    """The manifests already in the output folder: refused unless `force`."""
    existing = existing_manifests(folder)
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise ImportRefused(
            f"{folder} already holds manifests ({names}); nothing was written. Pass --force "
            "to replace them, or choose another --output"
        )
    return existing


def _against_base(
    docs: list[ImportedDocument], base: dict[tuple[str, str], dict[str, Any]]
) -> tuple[tuple[ImportedDocument, ...], tuple[str, ...]]:
    """What to write (a document the base lacks whole, one it has as its overlay), and the
    addresses Centra has exactly as the base says."""
    written, same = [], []
    for doc in docs:
        if (doc.kind, doc.name) not in base:
            written.append(doc)
            continue
        over = overlay(base[(doc.kind, doc.name)], doc.spec)
        if over is SAME:
            same.append(doc.address)
        else:
            written.append(ImportedDocument(doc.file, doc.kind, doc.name, over))
    return tuple(written), tuple(same)


async def _read_everything(session: EnvironmentSession) -> LiveState:
    return await read_everything(session.conn.client, await session.capabilities())


def _named_as_base(
    docs: list[ImportedDocument], base: dict[tuple[str, str], dict[str, Any]]
) -> list[ImportedDocument]:
    """A plugin the base declares keeps the base's name when its name repeats in another
    store (only the others are named with their store), so the adopted manifests do not
    declare the base's plugin twice."""
    names = {(k, KINDS[k].identity(n, spec)): n for (k, n), spec in base.items()}
    out = []
    for doc in docs:
        name = names.get((doc.kind, KINDS[doc.kind].identity(doc.name, doc.spec)))
        if name is None or name == doc.name:  # not the base's, or named as the base already
            out.append(doc)
            continue
        name_key = KINDS[doc.kind].name_key
        spec = {k: v for k, v in doc.spec.items() if k != name_key}
        out.append(replace(doc, name=name, spec=spec))
    return out


def _write(folder: Path, env_doc: dict[str, Any], written: tuple[ImportedDocument, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(_dump(env_doc))
    by_file: dict[str, list[str]] = {}
    for doc in written:
        by_file.setdefault(doc.file, []).append(document_text(doc))
    for file, texts in by_file.items():
        (folder / file).write_text("---\n".join(texts))


def _copy_bases(root: Path, output: Path, includes: tuple[str, ...]) -> tuple[str, ...]:
    """The bases the environment includes, copied beside it unless already there."""
    copied = []
    for name in includes:
        source, target = root / name, output / name
        if source.is_dir() and not target.exists() and source.resolve() != target.resolve():
            shutil.copytree(source, target)
            copied.append(name)
    return tuple(copied)


def _base_specs(
    root: Path, env_name: str, env_doc: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """What the bases alone declare for this environment (variables substituted): the
    environment loaded from a copy of the manifest root whose environment folder holds only
    its Environment document."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "manifests"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(env_name))
        (copy / env_name).mkdir()
        (copy / env_name / "environment.yaml").write_text(_dump(env_doc))
        resources = load_desired_state(copy, env_name).resources
    return {(r.kind, r.name): dict(r.spec) for r in resources}


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: `{allExcept: [SE]}`."""


class _ShortDumper(yaml.SafeDumper):
    pass


_ShortDumper.add_representer(
    _FlowMap,
    lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data.items(), flow_style=True
    ),
)


class _Same:
    """Marks a value the base already gives."""


SAME: Any = _Same()


def overlay(base: Any, found: Any, key: str | None = None) -> Any:
    """The least a document must say, merged onto `base` (mappings key by key, lists and
    scalars whole), to give what Centra showed (`found`): SAME when nothing. Keys the base
    has and Centra does not show are write-only: the base's value stands. Lists of named
    entries (tax rules) are matched by name, keeping each base entry's write-only keys."""
    if isinstance(base, dict) and isinstance(found, dict) and key != "countries":
        out = {}
        for k, v in found.items():
            if k not in base:
                out[k] = v
            elif (sub := overlay(base[k], v, k)) is not SAME:
                out[k] = sub
        return out or SAME
    if _named_list(base) and _named_list(found):
        by_name = {e["name"]: e for e in base}
        found = [{**by_name.get(e["name"], {}), **e} for e in found]
        # compared by name as the plan compares them: the base's order carries no meaning
        same = _norm(_by_name(base)) == _norm(_by_name(found))
        return SAME if same else found
    return SAME if _norm(base, key) == _norm(found, key) else found


def _by_name(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: str(e["name"]))


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(e, dict) and "name" in e for e in value)


def _norm(value: Any, key: str | None = None) -> Any:
    """Compare as the plan does: country sets as sets, numbers by value."""
    if key == "countries":
        return sorted(countries.expand(value))
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, dict):
        return {k: _norm(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _plain(v: Any) -> Any:
    """Values as the YAML import writes them: numbers as the manifests would say them, a
    country exclusion on one line."""
    if isinstance(v, Decimal):
        return number(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)  # a rate of 20, not 20.0
    if isinstance(v, dict) and set(v) == {"allExcept"}:
        return _FlowMap(allExcept=_plain(v["allExcept"]))
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def _dump(value: Any) -> str:
    return yaml.dump(_plain(value), Dumper=_ShortDumper, sort_keys=False, allow_unicode=True)
