"""The manifest fuzzer's machinery (mutations of the template tree, at the document and
byte level), shared by the fuzz test and the fast-path schema test."""

from __future__ import annotations

import os
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from centra_provision.engine.secret_refs import resolve_secrets
from centra_provision.errors import ManifestError, ProvisionError
from centra_provision.manifest.desired import load_desired_state
from centra_provision.manifest.root import environment_summaries
from centra_provision.manifest.yamlio import load_file
from tests.support.cases import TEMPLATE

CASES = int(os.environ.get("FUZZ_CASES", "200"))
SEEDS = [int(s) for s in os.environ.get("FUZZ_SEEDS", "1").split(",")]

Files = dict[str, Any]  # relative path -> list of documents (data) or bytes (raw)

KEYS = ["kind", "metadata", "name", "spec", "store", "uri", "rules", "rate", "countries",
        "allExcept", "status", "secretKey", "fromEnv", "fromFile", "includes", "variables",
        "centra", "url", "globale", "merchantId", "executor", "ledger", "stores", "<<", "",
        "état", "x" * 300, "1", "true", "null"]  # fmt: skip
NUMBERS = [0, -1, 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(10**30), 1.5, 1e308, 1e-320,
           "1e309", ".nan", ".inf", "-.inf", ".NaN", "0x1F", "0o17", "1_000", "0b101",
           "!!int 0b101", "!!int abc", "!!float x", "!!bool yes", "!!bool true", "0123",
           "9" * 40, "12:30:00", "1e400", "-0", "+7"]  # fmt: skip
STRINGS = ["", " ", "NO", "yes", "on", "~", "null", "é", "日本", "\u202e", "\x1b[31m", "\t",
           "${defaultStore}", "${", "${nope}", "$${x}", "${vatRate}x", "${ownMarkets}",
           "../", "../../etc", "/", "/abs", ".", "a/b", "x" * 300, "x" * 5000, "http://[::1",
           "https://[bad", "https://u:p@h/graphql", "http://example.com/graphql",
           "https://h:99999/graphql", "https://sandbox.centraqa.com/graphql", "SE", "XX",
           "*alias", "&anchor", "!tag", "- item", "key: value", "#", "'", '"', "\\",
           "\x00", "\ud7ff", "\ufeff"]  # fmt: skip
INCLUDES = [["base"], [], ["missing"], ["base", "base"], ["../"], ["/"], ["/etc"], [".."],
            ["test"], ["base/../base"], ["x" * 300], ["a\x00b"], ["loop"], ["file"],
            ["fifo"], ["\n"], [""], "base", [1], [["base"]], [{"a": 1}], None,
            ["base", "cycle"], ["deep/" * 300]]  # fmt: skip
SECRETS = [{"fromEnv": "GE_ORDER_API_SECRET"}, {"fromEnv": ""}, {"fromEnv": "A B"},
           {"fromFile": "secret.txt"}, {"fromFile": "/dev/zero"}, {"fromFile": "fifo"},
           {"fromFile": "loop"}, {"fromFile": "a\x00b"}, {"fromFile": "x" * 300},
           {"fromFile": "huge.txt"}, {"fromFile": "."}, {"fromEnv": "X", "fromFile": "y"},
           "literal-secret", {"fromEnv": ["X"]}, {"fromFile": None}, {}, [],
           {"fromEnv": "GE_ORDER_API_SECRET", "extra": 1}]  # fmt: skip
SYNTAX = [b"&a ", b"*a", b"*b ", b"!!binary ", b"!foo ", b"<<: ", b"{", b"[", b"]", b"}", b"? ",
          b"|", b">", b"%YAML 1.1\n", b"--- ", b"...\n", b"!!set ", b"!!omap ", b"&a [*a]",
          b"!!python/object:os.system "]  # fmt: skip
KINDS = ["Environment", "Base", "OrderApiPlugin", "WebhookPlugin", "AttributeType", "TaxGroup",
         "IntegrationToken", "Pricelist", "ShippingOption", "Other", "", 1, None]  # fmt: skip


@dataclass
class Tally:
    cases: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: list[str] = field(default_factory=list)


def _template() -> Files:
    files: Files = {}
    for path in sorted(TEMPLATE.rglob("*.yaml")):
        rel = str(path.relative_to(TEMPLATE))
        files[rel] = [doc.data for doc in load_file(path)]
    return files


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_paths(item, (*prefix, i)))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _pick_doc(rng: random.Random, files: Files) -> tuple[str, int] | None:
    choices = [(f, i) for f, docs in files.items() if isinstance(docs, list)
               for i in range(len(docs))]  # fmt: skip
    return rng.choice(choices) if choices else None


def _scalar(rng: random.Random) -> Any:
    pool = rng.choice([NUMBERS, STRINGS, [True, False, None], KINDS])
    value = rng.choice(pool)
    return (
        _Raw(value)
        if isinstance(value, str) and value.startswith(("!!", ".", "0x", "0o"))
        else value
    )


class _Raw(str):
    """A scalar written unquoted into the YAML text (tags, .nan, hex)."""


def _raw_representer(dumper: yaml.SafeDumper, data: _Raw) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", "__RAW__" + str(data) + "__RAW__")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Raw, _raw_representer)
_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", str(v)))


def _dump(docs: list[Any]) -> str:
    text = yaml.dump_all(docs, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    # Raw scalars: drop the quotes and markers the dumper put around them.
    for quote in ("'", '"', ""):
        text = text.replace(f"{quote}__RAW__", "").replace(f"__RAW__{quote}", "")
    return text


# ---- structured mutations --------------------------------------------------------------


def m_key(rng: random.Random, files: Files) -> str:
    found = _pick_doc(rng, files)
    if not found:
        return "key: none"
    f, i = found
    maps = [p for p in _paths(files[f][i]) if isinstance(_get(files[f][i], p), dict)]
    if not maps:
        return "key: no mapping"
    path = rng.choice(maps)
    target = _get(files[f][i], path)
    action = rng.choice(["rename", "delete", "add", "case"])
    if target and action in ("rename", "delete", "case"):
        key = rng.choice(list(target))
        value = target.pop(key)
        if action == "rename":
            target[rng.choice(KEYS)] = value
        elif action == "case":
            target[str(key).upper()] = value
    else:
        target[rng.choice(KEYS)] = _scalar(rng)
    return f"key:{action}:{f}#{i}{path}"


def m_type(rng: random.Random, files: Files) -> str:
    found = _pick_doc(rng, files)
    if not found:
        return "type: none"
    f, i = found
    path = rng.choice(_paths(files[f][i]))
    value = rng.choice([[], {}, [1, "a"], {"a": {"b": []}}, _scalar(rng), [[[]]], "", None])
    files[f][i] = _set(files[f][i], path, value)
    return f"type:{f}#{i}{path}"


def m_number(rng: random.Random, files: Files) -> str:
    found = _pick_doc(rng, files)
    if not found:
        return "number: none"
    f, i = found
    path = rng.choice(_paths(files[f][i]))
    value = rng.choice(NUMBERS)
    value = _Raw(value) if isinstance(value, str) else value
    files[f][i] = _set(files[f][i], path, value)
    return f"number:{f}#{i}{path}={value!r}"


def m_string(rng: random.Random, files: Files) -> str:
    found = _pick_doc(rng, files)
    if not found:
        return "string: none"
    f, i = found
    path = rng.choice(_paths(files[f][i]))
    value = rng.choice(STRINGS)
    if rng.random() < 0.3:
        value = value * rng.randint(2, 50)
    files[f][i] = _set(files[f][i], path, value)
    return f"string:{f}#{i}{path}"


def m_include(rng: random.Random, files: Files) -> str:
    env = files["manifests/test/environment.yaml"]
    value = rng.choice(INCLUDES)
    if isinstance(env, list) and env and isinstance(env[0], dict):
        spec = env[0].setdefault("spec", {})
        if isinstance(spec, dict):
            spec["includes"] = value
    if rng.random() < 0.4:  # a base that includes on
        files["manifests/base/base.yaml"] = [
            {
                "kind": "Base",
                "metadata": {"name": "base"},
                "spec": {"includes": rng.choice(INCLUDES)},
            }
        ]
    return f"include:{value!r}"


def m_secret(rng: random.Random, files: Files) -> str:
    docs = files.get("manifests/base/order-api-plugin.yaml")
    value = rng.choice(SECRETS)
    if isinstance(docs, list) and docs and isinstance(docs[0], dict):
        spec = docs[0].get("spec")
        if isinstance(spec, dict):
            spec["secretKey"] = value
    return f"secret:{value!r}"


def m_document(rng: random.Random, files: Files) -> str:
    found = _pick_doc(rng, files)
    if not found:
        return "document: none"
    f, i = found
    docs = files[f]
    action = rng.choice(["duplicate", "empty", "remove", "kind", "move", "scalar", "env2"])
    if action == "duplicate":
        docs.append(docs[i])
    elif action == "empty":
        docs.insert(rng.randint(0, len(docs)), None)
    elif action == "remove":
        docs.pop(i)
    elif action == "kind" and isinstance(docs[i], dict):
        docs[i]["kind"] = rng.choice(KINDS)
    elif action == "move":
        dest = rng.choice(["manifests/test/moved.yaml", "manifests/base/moved.yml",
                           "manifests/other/x.yaml"])  # fmt: skip
        files.setdefault(dest, []).append(docs.pop(i))
    elif action == "scalar":
        docs[i] = rng.choice(["just text", 42, [1, 2], None])
    else:
        env = files["manifests/test/environment.yaml"]
        files["manifests/test/second.yaml"] = [_copy(env[0]) if env else {"kind": "Environment"}]
    return f"document:{action}:{f}#{i}"


def m_benign(rng: random.Random, files: Files) -> str:
    """A change that keeps the manifests valid, so accepted inputs are fuzzed too."""
    env = files["manifests/test/environment.yaml"][0]
    action = rng.choice(["vat", "reorder", "status", "variable", "markets"])
    if action == "vat":
        env["spec"]["variables"]["vatRate"] = rng.choice([Decimal("12.5"), 0, 100, Decimal("7")])
    elif action == "reorder":
        f = rng.choice(list(files))
        files[f] = [dict(reversed(list(d.items()))) if isinstance(d, dict) else d
                    for d in files[f]]  # fmt: skip
    elif action == "status":
        files["manifests/base/tax-group.yaml"][0]["spec"]["status"] = "INACTIVE"
    elif action == "variable":
        env["spec"]["variables"]["unused"] = rng.choice(STRINGS[:12])
    else:
        env["spec"]["variables"]["ownMarkets"] = rng.choice([[], ["SE"], ["SE", "NO", "DK"]])
    return f"benign:{action}"


STRUCTURED: list[Callable[[random.Random, Files], str]] = [
    m_key, m_type, m_number, m_string, m_include, m_secret, m_document,
]  # fmt: skip


# ---- text and byte mutations -------------------------------------------------------------


def b_encoding(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace")
    choice = rng.choice(["utf16", "latin1", "bom", "bad-utf8", "crlf", "cr", "nul", "tabs"])
    if choice == "utf16":
        return text.encode("utf-16"), choice
    if choice == "latin1":
        return (text + "\ncomment: é").encode("latin-1", "replace"), choice
    if choice == "bom":
        return b"\xef\xbb\xbf" + data, choice
    if choice == "bad-utf8":
        at = rng.randint(0, len(data))
        return data[:at] + b"\xc3\x28\xff" + data[at:], choice
    if choice == "crlf":
        return data.replace(b"\n", b"\r\n"), choice
    if choice == "cr":
        return data.replace(b"\n", b"\r"), choice
    if choice == "nul":
        at = rng.randint(0, len(data))
        return data[:at] + b"\x00" + data[at:], choice
    return data.replace(b"  ", b"\t"), choice


def b_raw(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    buf = bytearray(data)
    action = rng.choice(["flip", "insert", "truncate", "delete-line", "dup-line", "syntax"])
    if action == "flip" and buf:
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif action == "insert":
        at = rng.randint(0, len(buf))
        buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif action == "truncate":
        del buf[rng.randint(0, len(buf)) :]
    elif action in ("delete-line", "dup-line"):
        lines = bytes(buf).split(b"\n")
        i = rng.randrange(len(lines))
        if action == "delete-line":
            lines.pop(i)
        else:
            lines.insert(i, lines[i])  # duplicate keys
        buf = bytearray(b"\n".join(lines))
    else:
        token = rng.choice(SYNTAX)
        at = rng.randint(0, len(buf))
        buf[at:at] = token
    return bytes(buf), f"raw:{action}"


def _write_tree(rng: random.Random, root: Path, files: Files, notes: list[str]) -> None:
    for rel, docs in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = docs if isinstance(docs, bytes) else _dump(docs).encode("utf-8", "surrogatepass")
        if rng.random() < 0.04:
            data, note = rng.choice([b_encoding, b_raw])(rng, data)
            notes.append(f"{note}:{rel}")
        path.write_bytes(data)
    manifests = root / "manifests"
    (manifests / "file").write_text("not a folder")
    (manifests / "cycle").mkdir(exist_ok=True)
    (manifests / "cycle" / "base.yaml").write_text(
        "kind: Base\nmetadata: {name: cycle}\nspec: {includes: [cycle]}\n"
    )
    for name in ("loop",):
        link = manifests / name
        if not link.is_symlink():
            link.symlink_to(name)
    if not (manifests / "fifo").exists():
        os.mkfifo(manifests / "fifo")
    (root / "secret.txt").write_text("s3cret")
    (root / "huge.txt").write_bytes(b"h" * (70 * 1024))
    for extra in ("fifo", "loop"):
        target = root / extra
        if not target.exists() and not target.is_symlink():
            if extra == "fifo":
                os.mkfifo(target)
            else:
                target.symlink_to("loop")
    if rng.random() < 0.05:  # a manifest that is a FIFO, or a symlink to a device
        special = manifests / "test" / rng.choice(["pipe.yaml", "zero.yaml"])
        if special.name == "pipe.yaml":
            os.mkfifo(special)
        else:
            special.symlink_to("/dev/zero")
        notes.append(f"special:{special.name}")


def _mutate(rng: random.Random, files: Files) -> str:
    """One structured mutation; one that no longer fits what earlier ones left (a document
    that became a scalar) is skipped: the fuzzer's own limits are not the loader's crashes."""
    mutation = rng.choice(STRUCTURED)
    try:
        return mutation(rng, files)
    except (IndexError, KeyError, TypeError, AttributeError) as exc:
        return f"{mutation.__name__}: skipped ({type(exc).__name__})"


def run_case(rng: random.Random, root: Path, template: Files, tally: Tally) -> None:
    files: Files = {rel: [_copy(d) for d in docs] for rel, docs in template.items()}
    if rng.random() < 0.15:
        notes = [m_benign(rng, files) for _ in range(rng.randint(1, 2))]
    else:
        notes = [_mutate(rng, files) for _ in range(rng.randint(1, 3))]
    _write_tree(rng, root, files, notes)
    tally.cases += 1
    try:
        environment_summaries(root / "manifests")
        state = load_desired_state(root / "manifests", "test")
        resolve_secrets(state.resources, root)
    except ProvisionError as exc:
        lines = exc.lines()
        if not all(line and "\n" not in line and "\r" not in line for line in lines):
            tally.crashes.append(f"{notes}: multi-line or empty message {lines!r}")
        elif isinstance(exc, ManifestError) and not all(
            line.startswith(("manifests", str(root))) for line in lines
        ):
            tally.crashes.append(f"{notes}: manifest error without a file mark {lines!r}")
        else:
            tally.rejected += 1
    except Exception as exc:
        trace = traceback.format_exception_only(type(exc), exc)[-1].strip()
        tally.crashes.append(f"{notes}: {trace}")
    else:
        tally.accepted += 1


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
