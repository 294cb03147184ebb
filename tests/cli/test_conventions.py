"""CLI conventions a Terraform or kubectl user expects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete

from centra_provision.cli import cli
from centra_provision.emulator.app import Emulator
from tests.support.centra import served_as_qa_int
from tests.support.cli import run
from tests.support.emulator import EmulatorClient
from tests.support.paths import REPO

TARGETING = (
    "warning: targeting is in effect ({}): only the resources named were compared; changes "
    "elsewhere are not shown\n"
)


@pytest.fixture
def qa(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=0)
    with served_as_qa_int(emulator, monkeypatch, "cli-test-secret") as client:
        yield client


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_option_of_every_command_has_help() -> None:
    missing = [
        f"{name} {'/'.join(p.opts)}"
        for name, command in _commands(cli)
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden and not p.help
    ]
    assert missing == []
    assert all(command.help for _, command in _commands(cli))


def test_log_level_after_the_subcommand(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["plan", "-e", "local", "--log-level", "info"], capsys)
    assert code == 0
    assert 'INFO httpx: HTTP Request: POST http://127.0.0.1/graphql "HTTP/1.1 200 OK"' in err
    code, _, err = run(["validate", "-e", "local", "--log-level", "DEBUG"], capsys)
    assert (code, err) == (0, "")


def _complete(args: list[str], incomplete: str) -> list[str]:
    completer = ShellComplete(cli, {}, "provision", "_PROVISION_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_completion_of_environments_and_targets(workdir: Path) -> None:
    assert _complete(["plan", "-e"], "") == ["local", "prod", "qa-int"]
    assert _complete(["drift", "-e"], "q") == ["qa-int"]
    assert _complete(["plan", "-e", "qa-int", "--target"], "Tax") == [
        "TaxGroup",
        "TaxGroup/GE Local VAT",
    ]
    assert _complete(["drift", "-e", "qa-int", "--target"], "AttributeType/ge_v") == [
        "AttributeType/ge_voucher_details"
    ]
    assert _complete(["apply", "--target"], "") == []  # no environment named yet


def test_target_by_kind_and_glob_with_a_warning(
    qa: EmulatorClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["plan", "-e", "qa-int", "--target", "AttributeType"], capsys)
    assert code == 0
    assert err == TARGETING.format("--target AttributeType")
    planned = [line for line in out.splitlines() if line.startswith("+ ")]
    assert planned == [
        "+ AttributeType/ge_customer_coupon  (executor: guided)",
        "+ AttributeType/ge_order_details  (executor: guided)",
        "+ AttributeType/ge_voucher_details  (executor: guided)",
    ]
    code, out, err = run(
        ["drift", "-e", "qa-int", "--target", "*Plugin/*", "--target", "TaxGroup/GE*"], capsys
    )
    assert code == 2
    assert err == TARGETING.format("--target *Plugin/* --target TaxGroup/GE*")
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("drift ")] == [
        "drift    TaxGroup/GE Local VAT",
        "drift    OrderApiPlugin/GE Order API",
        "drift    WebhookPlugin/GE Integration Webhooks",
    ]
    code, _, err = run(["plan", "-e", "qa-int", "--target", "Webhook"], capsys)
    assert code == 1
    assert err.splitlines()[-1].startswith("error: unknown target Webhook (known: ")


def test_validate_all(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", "--all"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "OK: 10 resources in local",
        "OK: 7 resources in prod",
        "OK: 7 resources in qa-int",
    ]
    env = workdir / "manifests" / "prod" / "environment.yaml"
    env.write_text(env.read_text().replace("merchantId: 999999", "merchantId: many"))
    code, out, err = run(["validate", "--all"], capsys)
    assert code == 1
    assert out.splitlines() == ["OK: 10 resources in local", "OK: 7 resources in qa-int"]
    assert err.splitlines()[-1] == "prod: 1 error"
    code, _, err = run(["validate"], capsys)
    assert code == 1 and "Missing option '-e' / '--env' (or --all)." in err


def test_legend_and_summary_by_executor(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["plan", "-e", "local"], capsys)
    assert code == 0
    assert out.splitlines()[-2:] == [
        "Legend: + create, ~ update, - delete, ? unknown (write-only: Centra cannot show it "
        "and the ledger has no record of it)",
        "Plan: 9 to create, 0 to update, 0 to delete; 7 by back office, 2 by API",
    ]


INIT = [
    "init",
    "acme-qa",
    "--merchant-id",
    "4242",
    "--centra-url",
    "https://acme.centraqa.com/graphql",
    "--globale-env",
    "QA-INT",
    "--store",
    "Retail",
    "--store",
    "Wholesale:WHOLESALE",
    "--warehouse",
    "Main",
    "--own-market",
    "se",
]


def test_init_scaffolds_a_valid_environment(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(INIT, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "wrote manifests/acme-qa/environment.yaml",
        "OK: 7 resources in acme-qa",
        "Next: export CENTRA_ACME_QA_TOKEN=... GE_ORDER_API_SECRET=$(provision secret "
        "generate); provision plan -e acme-qa",
    ]
    assert run(["validate", "-e", "acme-qa"], capsys)[:2] == (0, "OK: 7 resources in acme-qa\n")
    code, out, _ = run(["diff-env", "qa-int", "acme-qa"], capsys)
    assert out.splitlines()[-1].startswith("7 differences, 1 possible promotion mistake")
    code, _, err = run(INIT, capsys)
    assert (code, err) == (1, "error: manifests/acme-qa already exists; nothing was written\n")


def test_init_that_does_not_validate_leaves_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [("http:" + a[6:] if a.startswith("https:") else a) for a in INIT]
    args[1] = "acme-bad"
    code, out, err = run(args, capsys)
    assert (code, out) == (1, "")
    assert err == (
        "error: manifests/acme-bad/environment.yaml:8:10: Centra URL must use https:// "
        "(http:// only on loopback)\n"
    )
    assert not (workdir / "manifests" / "acme-bad").exists()


def test_changelog_names_what_changed_for_users() -> None:
    text = (REPO / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    for needle in ("PROVISION_CENTRA_URL_QA_INT", "## [Unreleased]", "## [0.1.0]"):
        assert needle in text
