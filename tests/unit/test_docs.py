"""The docs name what the code has: package names resolve, test files exist, signatures match."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS)


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_dotted_package_name_in_the_docs_resolves():
    names = set(re.findall(r"samenleven_analysis(?:\.[A-Za-z_]\w*)+", _text()))
    assert names
    missing = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == []


def test_every_test_file_the_docs_name_exists():
    paths = set(re.findall(r"tests/[\w/]+\.py", _text()))
    assert paths
    assert sorted(p for p in paths if not (ROOT / p).is_file()) == []


@pytest.mark.parametrize(
    "documented, target",
    [
        (
            "Dataset(id, filename, url, licence, attribution, description,\nsha256={}, "
            "companions=(), demo_filename=None)",
            "samenleven_analysis.data.catalog.Dataset",
        ),
        ("is_demo(name=None, processed=None) -> bool", "samenleven_analysis.data.build.is_demo"),
    ],
)
def test_signatures_in_architecture_md_match_the_code(documented, target):
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert documented in text
    params = list(inspect.signature(_resolve(target)).parameters)
    shown = re.findall(r"(\w+)(?:=[^,)]*)?[,)]", documented.split("(", 1)[1].replace("\n", " "))
    assert shown == params
