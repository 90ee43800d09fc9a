"""pyproject.toml and environment.yml must list the same packages."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import pytest
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


LOCK = ROOT / "uv.lock"


@functools.cache
def _lock() -> dict:
    """uv.lock, parsed once (1 MB of TOML) for every test that reads it."""
    return tomllib.loads(LOCK.read_text(encoding="utf-8"))


def _lock_pins() -> dict[str, tuple[str, list[str]]]:
    """``name -> (version, hashes)`` from uv.lock (the project itself left out)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for package in _lock()["package"]:
        if "editable" in package["source"]:
            continue
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        hashes = [f["hash"] for f in files if f.get("hash", "").startswith("sha256:")]
        pins[_name(package["name"])] = (package["version"], hashes)
    return pins


def test_lock_pins_every_declared_dependency_within_its_range_with_hashes():
    """uv.lock pins every dependency of pyproject.toml inside its range (``make lock``)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock_pins()
    assert len(pins) > 100  # the whole dependency set, not only the direct ones
    problems = []
    for spec in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        req = Requirement(spec)
        pin = pins.get(_name(req.name))
        if pin is None:
            problems.append(f"{req.name}: not in uv.lock")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req.name}: locked {pin[0]} outside {req.specifier}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)
    assert [n for n, (_, hashes) in pins.items() if not hashes] == []


def _uv() -> str:
    import shutil
    import sys

    uv = Path(sys.executable).with_name("uv")
    uv_cmd = str(uv) if uv.exists() else shutil.which("uv")
    if uv_cmd is None:
        pytest.skip("uv is not installed in this environment")
    return uv_cmd


def test_lock_is_in_step_with_pyproject():
    """``uv lock --check`` (offline: nothing is resolved) agrees that the lock is current."""
    import subprocess

    done = subprocess.run(
        [_uv(), "lock", "--check", "--offline", "--no-python-downloads"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, "run `make lock`: " + done.stderr[-400:]


def test_requirements_txt_is_the_lock_that_make_installs(tmp_path):
    """``requirements.txt`` is uv.lock exported with hashes (``make lock``); ``make`` installs it."""
    import subprocess

    exported = tmp_path / "requirements.txt"
    subprocess.run(
        [_uv(), "export", "--frozen", "--no-emit-project", "--extra", "dev", "--extra", "dask"]
        + ["--format", "requirements-txt", "--quiet", "--offline", "-o", str(exported)],
        cwd=ROOT,
        check=True,
    )

    def body(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]

    assert body(ROOT / "requirements.txt") == body(exported), "run `make lock`"
    pins = [line for line in body(exported) if re.match(r"^[A-Za-z0-9]", line)]
    assert len(pins) == len(_lock_pins()) and all(" ; " in p or "==" in p for p in pins)
    assert "--require-hashes" in (ROOT / "Makefile").read_text()


def test_lock_covers_linux_macos_and_windows():
    markers = " ".join(_lock()["supported-markers"])
    for platform in ("linux", "darwin", "win32"):
        assert f"sys_platform == '{platform}'" in markers


def test_this_environment_has_exactly_the_locked_versions():
    """``make`` installs the lock (``uv pip sync --require-hashes``); every pin at its version."""
    import importlib.metadata

    from packaging.markers import Marker

    wrong = {}
    markers = _platform_markers()
    for name, (version, _) in _lock_pins().items():
        if name in markers and not any(Marker(m).evaluate() for m in markers[name]):
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong[name] = f"locked {version}, installed {installed}"
    assert wrong == {}, "environment differs from uv.lock (run `make`): " + str(wrong)


def _platform_markers() -> dict[str, list[str]]:
    """``name -> markers`` of the dependency edges that carry one (``pywinpty`` on Windows...).

    A package reached by at least one edge without a marker applies everywhere and is left out.
    """
    edges: dict[str, list[str]] = {}
    unconditional: set[str] = set()
    for package in _lock()["package"]:
        lists = [package.get("dependencies", [])]
        lists += list(package.get("optional-dependencies", {}).values())
        for deps in lists:
            for dep in deps:
                name = _name(dep["name"])
                if "marker" in dep:
                    edges.setdefault(name, []).append(dep["marker"])
                else:
                    unconditional.add(name)
    return {name: ms for name, ms in edges.items() if name not in unconditional}
