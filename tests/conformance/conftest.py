"""Shared test vectors live in ../shared/tlog-vectors next to the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "tlog-vectors"


@pytest.fixture(scope="session")
def vectors() -> Path:
    if not VECTORS.is_dir():
        pytest.skip(f"../shared is absent: no tlog vectors at {VECTORS}")
    return VECTORS
