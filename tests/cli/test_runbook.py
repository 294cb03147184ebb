"""the runbook lists only what is still to do (a matching resource made by
hand is listed as done), numbers its steps, gives each instruction a checkbox, fences the
JSON to paste, and asks Centra for all PROD attribute types in one message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from centra_provision.manifest.desired import load_desired_state
from tests.support.centra import configure
from tests.support.cli import run
from tests.support.emulator import EmulatorClient, served

SECRET = "CANARY-runbook-secret-7f3a"


@pytest.fixture
def workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped manifests in the working directory, the Order API secret a canary."""
    monkeypatch.setenv("GE_ORDER_API_SECRET", SECRET)
    return workdir


@pytest.fixture
def centra(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorClient]:
    emulator = Emulator(":memory:", products=0)
    with served(emulator) as url:
        for env in ("QA_INT", "PROD"):
            monkeypatch.setenv(f"PROVISION_CENTRA_URL_{env}", f"{url}/graphql")
            monkeypatch.setenv(f"CENTRA_{env}_TOKEN", emulator.admin_token)
        yield EmulatorClient(emulator, url)
    emulator.state.close()


def section(markdown: str, heading: str) -> list[str]:
    """The lines of one `## ` section, without its heading and trailing blank line."""
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line] if start < end else []


def test_numbered_steps_with_checkboxes_and_fenced_json(
    centra: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--runbook", "rb.md"], capsys)
    assert code == 3
    book = (workdir / "rb.md").read_text()
    headings = [line for line in book.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. Create `AttributeType/ge_customer_coupon`",
        "## 2. Create `AttributeType/ge_order_details`",
        "## 3. Create `AttributeType/ge_voucher_details`",
        "## 4. Create `TaxGroup/GE Local VAT`",
        "## 5. Create `OrderApiPlugin/GE Order API`",
        "## 6. Create `WebhookPlugin/GE Integration Webhooks`",
        "## 7. Create `IntegrationToken/Global-e integration`",
    ]
    assert section(book, "## 3. Create `AttributeType/ge_voucher_details`") == [
        "- [ ] System > Configurations > Create attribute type.",
        "- [ ] Name: ge_voucher_details",
        "- [ ] Select Text from the dropdown menu.",
        "- [ ] Paste into the text field:",
        "  ```json",
        "  {",
        '    "desc": "Global-e Voucher details",',
        '    "readonly": false,',
        '    "group": "voucher",',
        '    "elements": {',
        '      "ge_successful_usages": {',
        '        "type": "input",',
        '        "desc": "Global-e Successful Usages"',
        "      }",
        "    }",
        "  }",
        "  ```",
        "- [ ] Click Save.",
    ]
    assert "- [ ] Tax rate: 25%" in section(book, "## 4. Create `TaxGroup/GE Local VAT`")
    assert "## Already done" not in book
    assert SECRET not in book + out


def test_matching_resources_made_by_hand_are_done_not_steps(
    centra: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything made by hand as the guide says, no ledger yet: nothing to click again."""
    configure(centra.emulator, load_desired_state(workdir / "manifests", "qa-int"), SECRET)
    code, out, _ = run(["apply", "-e", "qa-int", "--auto-approve", "--runbook", "rb.md"], capsys)
    assert code == 3
    book = (workdir / "rb.md").read_text()
    headings = [line for line in book.splitlines() if line.startswith("## ")]
    assert headings == ["## Already done", "## 1. Create `IntegrationToken/Global-e integration`"]
    done = section(book, "## Already done")
    attest = "check them, then run `provision attest -e qa-int"
    assert done == [
        "- [x] `AttributeType/ge_customer_coupon`: in Centra already, matching everything "
        "Centra shows; its 3 write-only settings cannot be read back: "
        f"{attest} 'AttributeType/ge_customer_coupon'`.",
        "- [x] `AttributeType/ge_order_details`: in Centra already, matching everything "
        "Centra shows; its 14 write-only settings cannot be read back: "
        f"{attest} 'AttributeType/ge_order_details'`.",
        "- [x] `AttributeType/ge_voucher_details`: in Centra already, matching everything "
        "Centra shows; its 3 write-only settings cannot be read back: "
        f"{attest} 'AttributeType/ge_voucher_details'`.",
        *done[3:],
    ]
    assert [line.split("`")[1] for line in done[3:]] == [
        "TaxGroup/GE Local VAT",
        "OrderApiPlugin/GE Order API",
        "WebhookPlugin/GE Integration Webhooks",
    ]
    assert "Already done:" in out and "  ✓ TaxGroup/GE Local VAT: in Centra already" in out


def test_prod_attribute_types_are_one_message_to_centra(
    centra: EmulatorClient, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, _ = run(["apply", "-e", "prod", "--auto-approve", "--runbook", "rb.md"], capsys)
    assert code == 3
    book = (workdir / "rb.md").read_text()
    heading = (
        "## 1. Ask Centra to deploy the attribute types ge_customer_coupon, ge_order_details, "
        "ge_voucher_details"
    )
    assert [line for line in book.splitlines() if line.startswith("## ")][:2] == [
        heading,
        "## 2. Create `TaxGroup/GE Local VAT`",
    ]
    request = section(book, heading)
    assert request[:4] == [
        "- [ ] In PROD, Centra deploys attribute types: send Centra this one request.",
        "- [ ] Send this message to Centra (support ticket or your Centra contact):",
        "  ```text",
        "  Please deploy these custom attribute types (Text) in the store configuration of "
        "example-merchant.centra.example (Global-e merchant 999999), exactly as on QA-INT:",
    ]
    assert request[-1] == "  ```"
    assert [line for line in request if line[2:4].isdigit() or line[2:3].isdigit()] == [
        "  1. Add `ge_customer_coupon` with this definition:",
        "  2. Add `ge_order_details` with this definition:",
        "  3. Add `ge_voucher_details` with this definition:",
    ]
    assert sum(line.startswith("  ```") for line in request) == 2  # one message, one block
    assert book.count("Please deploy") == 1
