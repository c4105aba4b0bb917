"""The wheel's package list (hand-written in pyproject.toml) covers every package in the source."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")


def test_every_package_is_listed():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "nnviz").rglob("*.py")}
    found = {name for name in found if "__pycache__" not in name}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "nnviz.resources" in listed


def test_presets_are_found_by_the_installed_package():
    from nnviz.lab.presets import list_presets

    assert {"moons", "cats-seed", "cats-deep"} <= set(list_presets())
