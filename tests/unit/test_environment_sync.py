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


def _specs(items) -> dict[str, str]:
    found = {}
    for spec in items:
        name = _name(spec)
        found[name] = spec.strip()[len(name) :].replace(" ", "")
    return found


def test_environment_yml_keeps_the_same_version_ranges_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _specs(project["dependencies"] + sum(project["optional-dependencies"].values(), []))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= _specs(s for s in dep["pip"] if not s.startswith("-e"))
        elif not dep.startswith(("python=", "pip")):
            listed |= _specs([dep.replace("_", "-")])
    assert {k: v for k, v in listed.items() if declared.get(k) != v} == {}


LOCK = ROOT / "pylock.toml"


def _lock_pins() -> dict[str, tuple[str, str, list[str]]]:
    """``name -> (version, marker, hashes)`` from pylock.toml (PEP 751, written by uv)."""
    lock = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    pins: dict[str, tuple[str, str, list[str]]] = {}
    for package in lock["packages"]:
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        hashes = [f["hashes"]["sha256"] for f in files if "sha256" in f.get("hashes", {})]
        pins[_name(package["name"])] = (package["version"], package.get("marker", ""), hashes)
    return pins


def test_lock_pins_every_declared_dependency_within_its_range_with_hashes():
    """pylock.toml (``make lock``) is in step with pyproject.toml.

    Run ``make lock`` after changing a dependency.
    """
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock_pins()
    assert len(pins) > 100  # the whole dependency set, not only the direct ones
    problems = []
    for spec in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        req = Requirement(spec)
        pin = pins.get(_name(req.name))
        if pin is None:
            problems.append(f"{req.name}: not in pylock.toml")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req.name}: locked {pin[0]} outside {req.specifier}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)
    assert [n for n, (_, _, hashes) in pins.items() if not hashes] == []
    assert "samenleven-analysis" not in pins  # the package itself installs with --no-deps
    assert "#    make lock" in LOCK.read_text(encoding="utf-8").splitlines()[1]
    assert tomllib.loads(LOCK.read_text(encoding="utf-8"))["lock-version"] == "1.0"


def test_lock_covers_linux_macos_and_windows():
    markers = " ".join(marker for _, marker, _ in _lock_pins().values())
    for platform in ("linux", "darwin", "win32"):
        assert f"sys_platform == '{platform}'" in markers


def test_this_environment_has_exactly_the_locked_versions():
    """``make`` installs the lock with ``--require-hashes``; every applicable pin at its version.

    Every pin that applies to this platform is installed at exactly its version (extra packages are
    not checked).
    """
    import importlib.metadata

    from packaging.markers import Marker

    wrong = {}
    for name, (version, marker, _) in _lock_pins().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong[name] = f"locked {version}, installed {installed}"
    assert wrong == {}, "environment differs from pylock.toml (run `make`): " + str(wrong)
