"""Build step on top of pyproject.toml: ship the report notebooks and the lock in the wheel.

``notebooks/*.ipynb`` and ``uv.lock`` sit outside the package in the checkout;
a wheel copies them to ``samenleven_analysis/_bundle/``, so that an installed package runs
its notebooks (``runner.notebooks_dir()``) and knows the lock's sha256 (provenance) without
a checkout. An editable install needs no copy: it finds both in the checkout.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {
    "notebooks": ["*.ipynb", "jupytext.toml", "sanitize.cfg"],
    ".": ["uv.lock"],
}


class BuildPyWithBundle(build_py):
    """``build_py`` that also copies :data:`BUNDLED` into ``samenleven_analysis/_bundle``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "samenleven_analysis" / "_bundle"
        for folder, patterns in BUNDLED.items():
            dest = target if folder == "." else target / folder
            dest.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for src in sorted((ROOT / folder).glob(pattern)):
                    if src.name.startswith((".", "_")):
                        continue
                    self.copy_file(str(src), str(dest / src.name))


setup(cmdclass={"build_py": BuildPyWithBundle})
