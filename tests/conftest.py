"""Shared fixtures. Real data is read from ../shared/data beside the repository (or the folder
$PATCHALIGN3D_SHARED_DATA names, for checkouts kept elsewhere), never copied."""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("PATCHALIGN3D_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real ShapeNetPart / PartNet-E files; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is not present")
    return SHARED_DATA
