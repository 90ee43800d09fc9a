"""The ``samenleven`` command line (contract: docs/design.md). Thin: every command calls the package.

Written with click rather than typer: ``run`` takes papermill-style ``-p NAME VALUE`` pairs,
which typer cannot declare, and typer vendors its own click so the two cannot be mixed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from samenleven_analysis.errors import ParameterError, SamenlevenError
from samenleven_analysis.facts import DEFAULT_SEED

_PATH = click.Path(path_type=Path)


def _data_dir_option(f):
    return click.option(
        "--data-dir",
        type=_PATH,
        default=None,
        help="Local mirror folder (else $SAMENLEVEN_DATA_DIR).",
    )(f)


def _offline_option(f):
    return click.option("--offline", is_flag=True, help="Never download; fall back to demo data.")(
        f
    )


def _notebooks_option(f):
    return click.option(
        "--notebooks",
        "notebooks_dir",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        default=None,
        help="Folder of report notebooks (else $SAMENLEVEN_NOTEBOOKS_DIR, the checkout's "
        "notebooks/, or the copy shipped in the installed package).",
    )(f)


def _count_option(*decls: str, default: int, help: str):
    """A whole-number option of at least 1, its default shown in ``--help``."""
    return click.option(
        *decls, type=click.IntRange(min=1), default=default, show_default=True, help=help
    )


def _fail(exc: Exception, code: int = 1) -> None:
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Measure and evaluate Flanders' Plan Samenleven from Statbel open data."""


@cli.command()
@_data_dir_option
@_offline_option
@click.option(
    "--vintage",
    type=click.Choice(["2025", "2019", "2018"]),
    default="2025",
    help="Municipality vintage to harmonise to.",
)
@click.option("--demo", is_flag=True, help="Use the generated Demoland data only.")
@click.option("--out", type=_PATH, default=None, help="Output folder (default data/processed).")
def build(data_dir, offline, vintage, demo, out) -> None:
    """Read, validate and harmonise the sources into data/processed/ (Parquet + provenance)."""
    from samenleven_analysis.data import build as build_mod

    try:
        result = build_mod.build(
            vintage=int(vintage),
            data_dir=data_dir,
            offline=offline or None,
            demo=True if demo else None,
            out=out,
        )
    except SamenlevenError as exc:
        _fail(exc)
    status = "unchanged (cache hit)" if result.cache_hit else "written"
    click.echo(f"{status}: {result.out_dir}")
    for name, path in sorted(result.tables.items()):
        click.echo(f"  {name}: {Path(path).name}")
    if result.demo:
        click.secho(
            "DEMO: some or all inputs are generated Demoland data, not real statistics.",
            fg="yellow",
            err=True,
        )


@cli.command("run")
@click.argument("notebooks", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Run every notebook in notebooks/.")
@click.option(
    "-f",
    "--file",
    "param_files",
    multiple=True,
    type=_PATH,
    help="YAML file of parameters (repeatable).",
)
@click.option(
    "-p",
    "--parameter",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="One parameter (repeatable), as in papermill.",
)
@click.option(
    "--out", type=_PATH, default=None, help="Output folder (default reports/<timestamp>/)."
)
@click.option("--jobs", type=click.IntRange(min=1), default=1, help="Notebooks run in parallel.")
@click.option(
    "--authorities",
    multiple=True,
    help="eligible, all, or REFNIS codes / partnership ids (repeatable or "
    "comma-separated): one authority report each.",
)
@click.option(
    "--no-disclosure-control-i-know",
    "disclosure_off",
    is_flag=True,
    help="Publish small counts of persons unsuppressed (min_cell 0). Every output is "
    "stamped DISCLOSURE CONTROL OFF; never for publication.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Recompute every report (default: reuse a report whose inputs are unchanged since "
    "the last run into --out, or reports/latest).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the notebooks on Dask distributed: a scheduler address (tcp://host:8786) or "
    "slurm[:N] / pbs[:N] for a dask-jobqueue cluster (needs the 'dask' extra).",
)
@click.option(
    "--fresh-kernels",
    is_flag=True,
    help="Run every notebook in a kernel of its own (slower; the same files as the default "
    "batches of authority reports sharing a kernel, the reference that is tested).",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default=None,
    help="Language of the reports and the dashboard (nl: Dutch with nl_BE number and date "
    "formats, en: English). Default: each notebook's own default (nl for the authority "
    "reports) and a Dutch dashboard. Changes no number, file name or link.",
)
@_data_dir_option
@_offline_option
@_notebooks_option
def run(
    notebooks,
    all_,
    param_files,
    params,
    out,
    jobs,
    authorities,
    disclosure_off,
    data_dir,
    offline,
    notebooks_dir,
    force,
    scheduler,
    fresh_kernels,
    language,
) -> None:
    """Execute notebooks with papermill into dated report folders with an index.html.

    Parameters are checked against each notebook's `parameters` cell before any kernel
    starts (names, types, Literal[...] values, `# range: LO..HI` bounds; min_cell >= 1):
    a bad one exits with status 2. A failing notebook does not stop the others; the run
    then exits with status 1.
    """
    from samenleven_analysis.reports import runner

    codes = [c for a in authorities for c in a.replace(",", " ").split()]
    try:
        status = runner.run_notebooks(
            list(notebooks),
            all_=all_,
            param_files=tuple(param_files),
            params=tuple(params),
            out=out,
            jobs=jobs,
            data_dir=data_dir,
            offline=offline,
            authorities=codes or None,
            disclosure_off=disclosure_off,
            folder=notebooks_dir,
            force=force,
            scheduler=scheduler,
            language=language,
            fresh_kernels=fresh_kernels,
        )
    except ParameterError as exc:
        _fail(exc, 2)
    except SamenlevenError as exc:
        _fail(exc)
    sys.exit(status)


@cli.command()
@_data_dir_option
@click.option("--dataset", multiple=True, help="Data set id(s); default: all with a public URL.")
def fetch(data_dir, dataset) -> None:
    """Download every declared public data set into data/raw/ (checksums verified)."""
    from samenleven_analysis.data import catalog

    failed = 0
    ids = list(dataset) or [d.id for d in catalog.DATASETS.values() if d.url is not None]
    for dataset_id in ids:
        try:
            found = catalog.resolve(dataset_id, data_dir=data_dir, offline=False)
            click.echo(f"{dataset_id}: {found.source} {found.path}")
        except SamenlevenError as exc:
            failed += 1
            click.secho(f"{dataset_id}: {exc}", fg="red", err=True)
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--out", type=_PATH, required=True, help="Folder to write the Demoland files into.")
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Random seed (same seed, same bytes).",
)
def demo(out, seed) -> None:
    """Write the generated Demoland data set in the real Statbel file layouts."""
    from samenleven_analysis.data import demo as demo_mod

    paths = demo_mod.write_demo(out, seed=seed)
    click.echo(f"DEMO data (fictional) written: {len(paths)} files in {out}")


@cli.command()
@click.argument("notebooks", nargs=-1)
@_count_option("--timeout", default=600, help="Seconds allowed per cell.")
@_notebooks_option
def refresh(notebooks, timeout, notebooks_dir) -> None:
    """Re-execute the committed notebooks on demo data, so the outputs nbval compares are fresh.

    Their .py scripts are the source.
    """
    from samenleven_analysis.reports import runner

    sys.exit(runner.refresh_notebooks(list(notebooks), timeout=timeout, folder=notebooks_dir))


@cli.group()
def bench() -> None:
    """Print benchmark figures (no pass/fail): build speed, report suite, simulation study."""


@bench.command("build")
@_data_dir_option
@_count_option("--repeat", default=3, help="Runs per side (the median is reported).")
def bench_build(data_dir, repeat) -> None:
    """Time `samenleven build` on the real 2009-2015 population files against a bare parse."""
    from samenleven_analysis.bench import build as bench_mod

    sys.exit(bench_mod.main(data_dir=data_dir, repeat=repeat))


@bench.command("reports")
@_count_option(
    "-n",
    "--authorities",
    "n_authorities",
    default=4,
    help="Authority reports in the --jobs comparison.",
)
@click.option(
    "--all-authorities",
    is_flag=True,
    help="Instead: `run --all --authorities all` on the real mirror (every municipality).",
)
@_count_option("--jobs", default=2, help="Parallel notebooks for --all-authorities.")
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    help="With --all-authorities: run only N evenly spaced authority reports and "
    "extrapolate their CPU seconds to all (for shared machines).",
)
@_data_dir_option
def bench_reports(n_authorities, all_authorities, jobs, sample, data_dir) -> None:
    """Time the demo report suite, one authority report, and --jobs 1 against --jobs 2.

    Or, with --all-authorities, a report for every municipality on the real mirror.
    """
    from samenleven_analysis.bench import reports as bench_mod

    if all_authorities:
        bench_mod.benchmark_all_authorities(data_dir, jobs=jobs, sample=sample)
    else:
        bench_mod.benchmark_reports(n_authorities)


@bench.command("simulation")
@_count_option("--draws", default=200, help="Simulated draws per scenario.")
@click.option("--scenario", default="all", show_default=True, help="Scenario name, or all.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@_count_option(
    "--workers",
    default=2,
    help="Local processes sharing the draws (results identical at any count).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the draws on Dask distributed (tcp://host:8786, or slurm[:N]).",
)
def bench_simulation(draws, scenario, seed, workers, scheduler) -> None:
    """Bias, RMSE, 95% coverage, size and power of every estimator over simulated draws."""
    from samenleven_analysis.bench import simulation

    try:
        status = simulation.main(
            draws=draws, scenario=scenario, seed=seed, workers=workers, scheduler=scheduler
        )
    except SamenlevenError as exc:
        _fail(exc)
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    cli()
