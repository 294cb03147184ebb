"""Where the tests find the repository, its manifests, the case trees and fixtures."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
CASES = TESTS / "cases"
FIXTURES = TESTS / "fixtures"
SHARED = REPO.parent / "shared"
