"""What the emulator leaves on disk: state files readable by their owner only, and no secret
in them (the Order API plugin secret as a keyed digest, no admin token, no back-office
password), proved with canaries read back from the raw bytes of the file and its WAL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from centra_provision.emulator.app import Emulator
from tests.support.emulator import EmulatorClient

CANARY = "CANARY-plugin-secret-at-rest-91c4"


def _plugin(api: EmulatorClient) -> None:
    response = api.office(
        "POST",
        "/plugins",
        {
            "store": "Retail",
            "type": "order_api",
            "name": "GE Order API",
            "status": "ACTIVE",
            "settings": {"uri": "ge-order-api", "secretKey": CANARY},
        },
    )
    assert response.status_code == 201, response.text


def test_state_files_are_private_and_hold_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "centra.sqlite"
    old_umask = os.umask(0o022)
    try:
        emulator = Emulator(str(path), products=3)
    finally:
        os.umask(old_umask)
    api = EmulatorClient(emulator, None)
    _plugin(api)
    probe = "/api/ge-order-api/orders?limit=1"
    assert api.request("GET", probe, headers={"API-Authorization": CANARY}).status_code == 200
    assert api.request("GET", probe, headers={"API-Authorization": "wrong"}).status_code == 401
    files = [p for p in tmp_path.iterdir() if p.name.startswith("centra.sqlite")]
    assert {p.name for p in files} >= {"centra.sqlite", "centra.sqlite-wal"}
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    raw = b"".join(p.read_bytes() for p in files)
    for secret in (CANARY, emulator.admin_token, emulator.backoffice_password):
        assert secret and secret.encode() not in raw
    emulator.state.close()


def test_an_existing_state_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "centra.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Emulator(str(path), products=0).state.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
