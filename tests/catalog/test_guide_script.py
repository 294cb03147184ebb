"""The guide's own catalog-export script, a real client we did not write, runs against the
emulator over HTTP and produces the CSV the catalog data implies."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from centra_provision.emulator.app import Emulator
from tests.support.emulator import served
from tests.support.paths import FIXTURES, SHARED

SCRIPT = FIXTURES / "guide_catalog_export.py"


def _expected_rows(emulator: Emulator) -> Counter[tuple[str, ...]]:
    """Straight from the emulator's tables, independent of its GraphQL layer."""
    sql = """
        SELECT s.id, s.sku, d.name, d.description, COALESCE(c.code, 'N/A')
        FROM product p
        JOIN display d ON d.product_id = p.id AND d.store_id = 1
        JOIN display_item di ON di.display_id = d.id
        JOIN size s ON s.variant_id = di.variant_id
        LEFT JOIN (SELECT id, json_extract(data, '$.code') AS code FROM objects
                   WHERE kind = 'country') c ON c.id = p.country_id
        WHERE p.status = 'ACTIVE'
    """
    rows = emulator.state.db.execute(sql).fetchall()
    return Counter(tuple(str(v) for v in row) for row in rows)


def test_guide_script_runs_unchanged_and_its_csv_is_right(tmp_path: Path) -> None:
    emulator = Emulator(":memory:", products=45)
    with served(emulator) as url:
        env = {**os.environ, "CENTRA_URL": f"{url}/graphql", "CENTRA_TOKEN": emulator.admin_token}
        proc = subprocess.run(
            [sys.executable, str(SCRIPT)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert "page: 2" in proc.stdout
    with (tmp_path / "centra_catalog5.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "Product Unique Identifier",
        "SKU",
        "Display Name",
        "Product Description",
        "Country of Origin",
    ]
    expected = _expected_rows(emulator)
    assert Counter(tuple(r) for r in rows[1:]) == expected
    assert len(rows) - 1 == sum(expected.values()) > 45
    assert any("\n" in r[3] and '"quoted"' in r[3] for r in rows[1:])  # CSV quoting held


GUIDE = SHARED / "seed" / "globale-centra-integration-guide.txt"


@pytest.mark.skipif(not GUIDE.exists(), reason="shared/seed is not beside the repo")
def test_fixture_is_the_guide_script_with_only_the_allowed_changes() -> None:
    text = GUIDE.read_text()
    start = text.index("from time import sleep")
    end = text.index("count_index = count_index + 1") + len("count_index = count_index + 1")
    guide = [line.strip() for line in text[start:end].splitlines()]
    lines = SCRIPT.read_text().splitlines()
    ours = [line.strip() for line in lines[lines.index("import os") :]]
    allowed_extra = ["import os", "if not response_data['data']['products']:", "break"]
    for line in allowed_extra:
        ours.remove(line)
    replaced = {
        i: line for i, line in enumerate(guide) if line.startswith(("api_url =", "api_token ="))
    }
    assert len(replaced) == 2
    assert [line for i, line in enumerate(ours) if i not in replaced] == [
        line for i, line in enumerate(guide) if i not in replaced
    ]
