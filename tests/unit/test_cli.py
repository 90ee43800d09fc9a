"""The console entry point: commands exist and `demo` writes the files."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from samenleven_analysis.cli import cli


def test_help_lists_the_contract_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "run", "fetch", "demo"):
        assert command in result.output


@pytest.mark.slow  # > 5 s: the end-to-end tier (`make test-e2e`, CI)
def test_demo_command_writes_the_files(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert "DEMO" in result.output
    assert (tmp_path / "x" / "TF_SOC_POP_STRUCT_2025.zip").is_file()
    assert (tmp_path / "x" / "DEMOLAND.txt").is_file()


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "samenleven_analysis.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Plan Samenleven" in out.stdout
