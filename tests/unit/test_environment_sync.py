"""pyproject.toml and environment.yml must list the same packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(s) for s in project["dependencies"]}
    for extra in project["optional-dependencies"].values():  # dev, dask
        declared |= {_name(s) for s in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(s) for s in dep["pip"] if not s.startswith("-e")}
        elif not dep.startswith(("python=", "pip")) or dep.startswith("pip "):
            listed.add(_name(dep))
    assert declared == listed, (
        f"only in pyproject.toml: {sorted(declared - listed)}; "
        f"only in environment.yml: {sorted(listed - declared)}"
    )


def test_required_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(s) for s in project["dependencies"]}
    assert {
        "jupyterlab",
        "pandas",
        "pyarrow",
        "geopandas",
        "pyogrio",
        "matplotlib",
        "mapclassify",
        "statsmodels",
        "papermill",
        "nbval",
        "pooch",
        "pandera",
        "typer",
        "tqdm",
    } <= declared
    assert project["scripts"]["samenleven"] == "samenleven_analysis.cli:cli"


def _imported_top_level_modules() -> set[str]:
    import ast

    found = set()
    for path in (ROOT / "samenleven_analysis").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_every_imported_third_party_package_is_declared():
    import importlib.metadata
    import sys

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(s) for s in project["dependencies"]}
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(_imported_top_level_modules() - {"samenleven_analysis"}):
        if module in sys.stdlib_module_names:
            continue
        dists = {_name(d) for d in owners.get(module, [module])}
        if not dists & declared:
            missing[module] = sorted(dists)
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"
