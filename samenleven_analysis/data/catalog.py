"""Where each data set comes from: a declared registry, and ``resolve()`` to a local file.

Resolution order (``docs/architecture.md``):

1. ``data/raw/`` download cache (``config.raw_dir()``);
2. a local mirror folder (``data_dir`` argument or ``$SAMENLEVEN_DATA_DIR``), searched by file
   name; a mirror holding ``DEMOLAND.txt`` is demo data and is flagged so;
3. download from the declared URL with pooch (checksum verified; skipped when offline);
4. the generated Demoland files — only when the caller allows demo data (or
   ``$SAMENLEVEN_DEMO`` is set, which skips 1–3 altogether).

Every answer carries its provenance: data set id, file, sha256 and whether it is demo data.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath

from samenleven_analysis import config
from samenleven_analysis.data.files import (  # re-exported: the names live in files.py
    CANONICAL_FILES as CANONICAL_FILES,
)
from samenleven_analysis.data.files import DEMO_MARKER as DEMO_MARKER
from samenleven_analysis.data.files import DEMO_YEARS
from samenleven_analysis.data.files import POPULATION_YEARS as POPULATION_YEARS
from samenleven_analysis.errors import ChecksumMismatch, DataUnavailable

STATBEL_LICENCE = "Statbel open data licence (CC BY 4.0 compatible)"
STATBEL_ATTRIBUTION = "Statbel (Directorate-General Statistics - Statistics Belgium)"
_POPULATION_URL = (
    "https://statbel.fgov.be/sites/default/files/files/opendata/"
    "bevolking%20naar%20woonplaats%2C%20nationaliteit%20burgelijke%20staat%20%2C"
    "%20leeftijd%20en%20geslacht/TF_SOC_POP_STRUCT_{year}.zip"
)
_GH = "https://raw.githubusercontent.com"
_PINC = f"{_GH}/provinciesincijfers/gebiedsniveaus/3b1b6d8/data_voor_swing/shapefiles"
_PINC_LICENCE = "Provincies in Cijfers, built from Statbel open data (attribute both)"
_TOPO = f"{_GH}/bmesuere/belgium-topojson/a903fda"


@dataclass(frozen=True)
class Dataset:
    """One declared data set. ``sha256`` maps file name → checksum where it is known."""

    id: str
    filename: str
    url: str | None
    licence: str
    attribution: str
    description: str
    sha256: dict[str, str] = field(default_factory=dict)
    companions: tuple[str, ...] = ()
    demo_filename: str | None = None  # file name in the Demoland set; None = no demo version

    @property
    def files(self) -> tuple[str, ...]:
        return (self.filename, *self.companions)

    def url_for(self, filename: str) -> str | None:
        if self.url is None:
            return None
        return (
            self.url.rsplit("/", 1)[0] + "/" + filename if filename != self.filename else self.url
        )


def _population(year: int) -> Dataset:
    name = f"TF_SOC_POP_STRUCT_{year}.zip"
    return Dataset(
        id=f"population_{year}",
        filename=name,
        url=_POPULATION_URL.format(year=year),
        licence=STATBEL_LICENCE,
        attribution=STATBEL_ATTRIBUTION,
        description=f"Population on 1 January {year} by municipality, sex, nationality "
        "(BEL/ETR), civil status and age",
        demo_filename=name if year in DEMO_YEARS else None,
    )


def _shapefile(dataset_id: str, stem: str, description: str, sums: dict[str, str]) -> Dataset:
    exts = [e for e in (".shx", ".dbf", ".prj", ".cpg") if f"{stem}{e}" in sums]
    return Dataset(
        id=dataset_id,
        filename=f"{stem}.shp",
        url=f"{_PINC}/{stem}.shp",
        licence=_PINC_LICENCE,
        attribution="Provincies in Cijfers; Statbel",
        description=description,
        sha256=sums,
        companions=tuple(f"{stem}{e}" for e in exts),
    )


_CPG = "3ad3031f5503a4404af825262ee8232cc04d4ea6683d42c5dd0a2f2a27ac9824"
_PRJ = "11d1fbab4f20ea15d3d403f784b15dea64bb52a12a12899daab3460a15ebc1d2"

DATASETS: dict[str, Dataset] = {d.id: d for d in [_population(y) for y in POPULATION_YEARS]}
DATASETS.update(
    {
        d.id: d
        for d in [
            Dataset(
                id="refnis",
                filename="TU_COM_REFNIS.txt",
                url=f"{_GH}/gehuybre/data-blog/main/embuild-analyses/shared-data/nis/TU_COM_REFNIS.txt",
                licence=STATBEL_LICENCE,
                attribution=STATBEL_ATTRIBUTION,
                description="REFNIS code list (regions, provinces, arrondissements, "
                "municipalities with validity dates); upstream Statbel",
                sha256={
                    "TU_COM_REFNIS.txt": "ebd05f9663eec01317062e6e70e7191989baaf670582df77b626639ccc2b8ad1"
                },
                demo_filename="TU_COM_REFNIS.txt",
            ),
            Dataset(
                id="income",
                filename="TF_PSNL_INC_TAX_MUNTY.xlsx",
                url=f"{_GH}/fabriziolufe/Machine-Learning-in-Python-Data-Modelling---Analyzing-"
                "data-for-social-funding/91647211d7f201c200db9325ffb972dceda6a52a/"
                "TF_PSNL_INC_TAX_MUNTY.xlsx",
                licence=STATBEL_LICENCE,
                attribution=STATBEL_ATTRIBUTION,
                description="Fiscal income per municipality, income years 2005-2020 "
                "(unmodified Statbel download kept in a public repository)",
                sha256={
                    "TF_PSNL_INC_TAX_MUNTY.xlsx": "cd9ce0bf510c309e5988bb50bfc6d3e3e8150f5c8b3390453be55768a1617110"
                },
                demo_filename="TF_PSNL_INC_TAX_MUNTY.xlsx",
            ),
            Dataset(
                id="mergers_2025",
                filename="fusies-2025.csv",
                url=None,
                licence="Public facts (Vlaamse overheid; Statbel REFNIS)",
                attribution="Provincies in Cijfers",
                description="Municipal mergers of 1 January 2025 (old codes -> new code)",
                sha256={
                    "fusies-2025.csv": "a65d7504d63a45b16e048ad3b890fdc8c221ac8b3eea7bab7f5c1687ad6af427"
                },
                demo_filename="fusies-2025.csv",
            ),
            Dataset(
                id="boundaries_belgium_581",
                filename="belgium.json",
                url=f"{_TOPO}/belgium.json",
                licence="CC0 1.0",
                attribution="bmesuere/belgium-topojson",
                description="TopoJSON of the 581 municipalities (2019-2024), WGS84, no CRS declared",
                sha256={
                    "belgium.json": "7ddc9dc111856b4ef9ad72e73f80ac94b8112fa0a7cd0a77c63c94f732bf9454"
                },
            ),
            _shapefile(
                "boundaries_fb_2025",
                "gemeente",
                "Flanders + Brussels municipalities from 1 Jan 2025 (304), EPSG:31370",
                {
                    "gemeente.shp": "4c895eb6679cf17e645486c017ddb589152d58b68f999b4096e2084d99d69d31",
                    "gemeente.shx": "755629a3eb848247b6f15b5c9ff837c5e1adf68d65fb3e8d829a24a2b168247c",
                    "gemeente.dbf": "836ef363f5133127a3fe9f69e7b7fbf893f505bb01c945128cfe32cbb8e949be",
                    "gemeente.prj": _PRJ,
                    "gemeente.cpg": _CPG,
                },
            ),
            _shapefile(
                "boundaries_fb_2024",
                "gemeente2024",
                "Flanders + Brussels municipalities 2019-2024 (319), EPSG:31370",
                {
                    "gemeente2024.shp": "3231a6dee250fd30c0cd03c6e7e3b0a87611873e99583d741711f0f9750a2499",
                    "gemeente2024.shx": "aa3b55fc1bf80a53b0118b008877373a227a21de8c78ac31bc34bc6d071a4783",
                    "gemeente2024.dbf": "4a4965fd1b60bb061181a675b4b1898a41c1485a76dc7b856c80775fa27a966f",
                    "gemeente2024.prj": _PRJ,
                    "gemeente2024.cpg": _CPG,
                },
            ),
            _shapefile(
                "boundaries_fb_2018",
                "gemeente2018",
                "Flanders + Brussels municipalities before 2019 (327), EPSG:31370",
                {
                    "gemeente2018.shp": "29b7e7c43ac8577ceb17f8e956965cabec0f18ac30bd065c320a7969aa2d1c9c",
                    "gemeente2018.shx": "d9bbf56ae50b3977febd2af9a3e141ecf6fff5458a535ebd7182aec117956ba1",
                    "gemeente2018.dbf": "c76647d69370fb43b2b0365f868de40096bf1374f427b3e169cff3d3ada52581",
                    "gemeente2018.prj": "138ced3b6071f4f047a8cfda5f063ee2d2bed4af67aabbddbada975e98fb85dc",
                },
            ),
        ]
    }
)
# The 2022 call configuration (SPARQL migrations, read by data/call_rules.py). No download:
# lblod/app-digitaal-loket removed config/migrations/2022/ in September 2024 (last versions at
# commits f1b43d55 and 7af7769c), so the folder is user-supplied or mirrored; found in a
# mirror by its first migration, the other six are companions in the same folder.
_CALL_CONFIG_SHA256 = {
    "20220302141603-prepare-plan-samenleven.sparql": (
        "df2b6539087156f115cdb9adeeed0990489cfcc313f72d2d7d1b0d6b696370b0"
    ),
    "20220317092606-add-plan-samenleven-subsidy-concepts.sparql": (
        "efde6f5145e37d27b5e189d080b921aa07055f240387b8628d7104e9737255aa"
    ),
    "20220414124741-fix-naming-inconsistency-plan-living-together-withdrawal-rule.sparql": (
        "392c9552732f9c28f0e4f45e18c55006642b430470a0146e0a8b44ceee77db2b"
    ),
    "20220517113241-update-endDate-aanvraag.sparql": (
        "4073a8ee17849d9581d45002d29a9025e61b3d8a995a55d4ac17c0bbd9b27857"
    ),
    "20220613100000-plan-samenleven-actieplan-bijdrage-update.sparql": (
        "deba5065af46b44d9ef8478dcb3fe1e36d86fbc2ff83f2c18aa1cf705f885a6b"
    ),
    "20220613110000-plan-samenleven-periode-update.sparql": (
        "e9cb06c3a91b01f6e610d797ebce90d1ccd6affc8707e902e3630bb36b29e579"
    ),
    "20220625194419-deactivate-plan-samenleven.sparql": (
        "d335fb71a894a4bf5fadad4b4a46cccb51b228f2b1412065f0ae12e090e820fb"
    ),
}
_first_migration = next(iter(_CALL_CONFIG_SHA256))
DATASETS["call_config"] = Dataset(
    id="call_config",
    filename=_first_migration,
    url=None,
    licence="MIT (lblod/app-digitaal-loket, copyright Vlaamse Overheid; LICENSE.md)",
    attribution="Vlaamse Overheid, Loket voor Lokale Besturen (lblod/app-digitaal-loket)",
    description="Plan Samenleven 2022 call configuration: SPARQL migrations (call, periods, "
    "one rule per KPI); removed from the public repository in September 2024",
    sha256=_CALL_CONFIG_SHA256,
    companions=tuple(n for n in _CALL_CONFIG_SHA256 if n != _first_migration),
    demo_filename="00000000000000-demoland-call-rules.sparql",  # demo.DEMO_CALL_RULES_FILE
)
# Demo-only and user-supplied data sets: no public source exists (origin tables need a
# Statbel request; outcomes, treatment, programmes and partnerships are administrative data).
for _id, _file, _desc in [
    ("boundaries_demo_2024", "demoland_2024.geojson", "Demoland polygons up to 2024"),
    ("boundaries_demo_2025", "demoland_2025.geojson", "Demoland polygons from 2025"),
    (
        "origin",
        CANONICAL_FILES["origin"],
        "Population by origin group (canonical year,refnis,origin,population)",
    ),
    ("outcomes", CANONICAL_FILES["outcomes"], "Outcome panel (refnis,year,outcome,value)"),
    (
        "treatment",
        CANONICAL_FILES["treatment"],
        "Plan Samenleven funding: applicant, member, cohort, intensity",
    ),
    ("programmes", CANONICAL_FILES["programmes"], "One row per funded project or training"),
    (
        "partnerships",
        CANONICAL_FILES["partnerships"],
        "Partnerships (IGS): partnership_id,name,refnis",
    ),
    (
        "contracts",
        CANONICAL_FILES["contracts"],
        "Contracts: applicant, call, rule, period_start, "
        "target_units, realised_units (docs/contracts.md)",
    ),
]:
    DATASETS[_id] = Dataset(
        id=_id,
        filename=_file,
        url=None,
        licence="user-supplied"
        if not _id.startswith("boundaries_demo")
        else "fictional (generated)",
        attribution="user-supplied",
        description=_desc,
        demo_filename=_file,
    )


@dataclass(frozen=True)
class Resolved:
    """A data set found on disk, with where it came from."""

    dataset_id: str
    path: Path
    sha256: str
    demo: bool
    source: str  # "cache" | "mirror" | "download" | "demo"

    def provenance(self) -> dict:
        d = asdict(self)
        ds = DATASETS[self.dataset_id]
        d.update(
            file=self.path.name,
            path=str(self.path),
            url=ds.url,
            licence=ds.licence,
            attribution=ds.attribution,
        )
        return d


def population_years() -> list[int]:
    return list(POPULATION_YEARS)


@lru_cache(maxsize=256)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_of(path: Path) -> str:
    """sha256 of a file (memoised on path, size and modification time)."""
    st = path.stat()
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


def _verify(ds: Dataset, path: Path, where: str) -> None:
    for name in ds.files:
        expected = ds.sha256.get(name)
        f = path.parent / name
        if expected and sha256_of(f) != expected:
            raise ChecksumMismatch(
                f"{f}: sha256 {sha256_of(f)} does not match the catalog's {expected} for "
                f"data set {ds.id!r} ({where}); the file was changed or is a different "
                "edition. Delete it (cache) or fix the mirror."
            )


SUMS_FILE = "SHA256SUMS"
"""A mirror folder may carry this file (``sha256sum`` output, paths relative to its folder):
every file used from below that folder is then verified against it."""


@lru_cache(maxsize=32)
def _read_sums(path: str, size: int, mtime_ns: int) -> dict[str, str]:
    """Parse a ``sha256sum`` list.

    Malformed lists are errors, never half-read: a line that is
    not UTF-8 or not ``<64 hex>  <relative path>``, a path that leaves the list's folder
    (absolute, or through ``..``), and one path listed twice with different checksums.
    """
    sums: dict[str, str] = {}
    first_row: dict[str, int] = {}
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise ChecksumMismatch(
                    f"file {path}, row {lineno}: not UTF-8; a checksum list must be UTF-8 text"
                ) from None
            if lineno == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"\\?([0-9a-fA-F]{64}) [ *](.+)", line)
            if m is None:
                raise ChecksumMismatch(
                    f"file {path}, row {lineno}: not a sha256sum line (expected "
                    "'<64 hex digits>  <relative path>')"
                )
            name = m.group(2)
            parts = PurePosixPath(name).parts
            if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
                raise ChecksumMismatch(
                    f"file {path}, row {lineno}: {name!r} points outside the folder of the "
                    "checksum list; paths must be relative and stay below it"
                )
            name = PurePosixPath(*[p for p in parts if p != "."]).as_posix()
            digest = m.group(1).lower()
            if name in sums and sums[name] != digest:
                raise ChecksumMismatch(
                    f"file {path}, row {lineno}: {name} has a different checksum than the one "
                    f"also listed on row {first_row[name]}; keep one entry per file"
                )
            sums[name] = digest
            first_row.setdefault(name, lineno)
    return sums


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symlink resolved, lies in the folder ``root``."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a dangling or looping symlink
        return False


def _sums_for(path: Path, root: Path) -> tuple[Path, dict[str, str]] | None:
    """The nearest SHA256SUMS at or above ``path``'s folder (up to ``root``), parsed.

    A SHA256SUMS that resolves outside ``root`` (a symlink to a list kept elsewhere) is
    refused: whoever can place a symlink could otherwise vouch for any edited file.
    """
    for folder in [path.parent, *path.parent.parents]:
        sums = folder / SUMS_FILE
        if sums.is_file() or sums.is_symlink():
            if not _inside(sums, root):
                raise ChecksumMismatch(
                    f"file {sums}: the checksum list resolves to {os.path.realpath(sums)}, "
                    f"outside the mirror folder {root}; copy the list into the mirror instead "
                    "of linking to it"
                )
            st = sums.stat()
            return sums, _read_sums(str(sums), st.st_size, st.st_mtime_ns)
        if folder == root:
            break
    return None


def verify_against_sums(ds: Dataset, path: Path, root: Path) -> None:
    """Check every file of ``ds`` next to ``path`` against the mirror's SHA256SUMS (if any).

    A file missing from SHA256SUMS is an error too: the list is meant to cover the mirror.
    """
    for name in ds.files:
        f = path.parent / name
        found = _sums_for(f, root)
        if found is None:
            continue
        sums_file, sums = found
        rel = f.relative_to(sums_file.parent).as_posix()
        expected = sums.get(rel)
        if expected is None:
            raise ChecksumMismatch(
                f"file {f}: not listed in {sums_file}; add its checksum "
                f"(sha256sum {rel} >> {SUMS_FILE}) or remove the file"
            )
        actual = sha256_of(f)
        if actual != expected:
            raise ChecksumMismatch(
                f"file {f}: sha256 {actual} does not match {expected} listed in {sums_file}; "
                "the file was changed after the checksums were taken"
            )


def _mirror_index(root: str) -> dict[str, Path]:
    """File name → path for every file under a mirror folder (first found, sorted walk)."""
    index: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            index.setdefault(name, Path(dirpath) / name)
    return index


def _is_demo_folder(path: Path, root: Path) -> bool:
    for folder in [path.parent, *path.parent.parents]:
        if (folder / DEMO_MARKER).is_file():
            return True
        if folder == root:
            break
    return False


def _complete(path: Path, ds: Dataset) -> bool:
    return all((path.parent / name).is_file() for name in ds.files)


def locate(dataset_id: str, *, data_dir: str | Path | None = None) -> Resolved | None:
    """Find a data set in the download cache or a mirror; never downloads or generates."""
    ds = _dataset(dataset_id)
    cached = config.raw_dir() / ds.filename
    if cached.is_file() and _complete(cached, ds):
        _verify(ds, cached, "download cache")
        return Resolved(ds.id, cached, sha256_of(cached), False, "cache")
    mirror = Path(data_dir) if data_dir is not None else config.data_dir()
    if mirror is not None:
        if not mirror.is_dir():
            raise DataUnavailable(f"mirror folder {mirror} does not exist")
        index = _mirror_index(str(mirror.resolve()))
        found = index.get(ds.filename)
        if found is None and ds.demo_filename not in (None, ds.filename):
            # A Demoland folder holds the demo edition under its own name (the call rules'
            # one migration): use it as given, but only from a Demoland folder.
            alt = index.get(ds.demo_filename)
            if alt is not None and _is_demo_folder(alt, mirror.resolve()):
                ds = replace(ds, filename=ds.demo_filename, companions=(), sha256={})
                found = alt
        if found is not None and found.is_file() and _complete(found, ds):
            for name in ds.files:  # symlinks must not lead out of the mirror (/etc/passwd)
                f = found.parent / name
                if not _inside(f, mirror):
                    raise DataUnavailable(
                        f"file {f}: resolves to {os.path.realpath(f)}, outside the mirror "
                        f"folder {mirror.resolve()}; refused (copy the file into the mirror "
                        "instead of linking to it)"
                    )
            demo = _is_demo_folder(found, mirror.resolve())
            verify_against_sums(ds, found, mirror.resolve())
            if not demo:
                _verify(ds, found, f"mirror {mirror}")
            return Resolved(ds.id, found, sha256_of(found), demo, "mirror")
    return None


def _dataset(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise DataUnavailable(
            f"unknown data set {dataset_id!r}; known: {', '.join(sorted(DATASETS))}"
        ) from None


def _download(ds: Dataset) -> Resolved:
    import pooch

    target = config.raw_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in ds.files:
        url = ds.url_for(name)
        known = ds.sha256.get(name)
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{known}" if known else None,
                fname=name,
                path=target,
                progressbar=True,
            )
        except ValueError as exc:  # pooch's hash mismatch; it has already deleted the file
            raise ChecksumMismatch(f"download of {url} for {ds.id!r}: {exc}") from None
        except Exception as exc:  # network errors of any kind: one line, no retry
            raise DataUnavailable(
                f"download of {ds.id!r} from {url} failed: {type(exc).__name__}: {exc}"
            ) from None
    path = target / ds.filename
    return Resolved(ds.id, path, sha256_of(path), False, "download")


def resolve_demo(dataset_id: str, *, data_dir: str | Path | None = None) -> Resolved:
    """The Demoland file for ``dataset_id``: the mirror's, else the generated one.

    From the mirror when it is a Demoland folder holding it (``samenleven demo --out DIR``,
    perhaps edited: used as given), else the generated one (written once into
    ``config.demo_dir()``).
    """
    ds = _dataset(dataset_id)
    return _demo_from_mirror(ds, data_dir) or _demo(ds)


def _demo_from_mirror(ds: Dataset, data_dir: str | Path | None) -> Resolved | None:
    """``ds`` from the mirror if that is a Demoland folder holding it; None otherwise.

    The mirror is ``data_dir`` or ``$SAMENLEVEN_DATA_DIR``; every file of a given demo
    folder is read from it.
    """
    mirror = Path(data_dir) if data_dir is not None else config.data_dir()
    if mirror is None or not mirror.is_dir() or ds.demo_filename is None:
        return None
    found = locate(ds.id, data_dir=mirror)
    return found if found is not None and found.demo and found.source == "mirror" else None


def demo_population_years() -> list[int]:
    """Population years that the Demoland set covers."""
    return [y for y in POPULATION_YEARS if DATASETS[f"population_{y}"].demo_filename is not None]


def _demo(ds: Dataset) -> Resolved:
    from samenleven_analysis.data import demo  # heavy (numpy, pandas): only when demo is used

    if ds.demo_filename is None:
        raise DataUnavailable(f"data set {ds.id!r} has no demo version")
    folder = demo.ensure_demo(config.demo_dir())
    path = folder / ds.demo_filename
    return Resolved(ds.id, path, sha256_of(path), True, "demo")


def resolve(
    dataset_id: str,
    *,
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    allow_demo: bool = False,
) -> Resolved:
    """Return a local file for ``dataset_id`` (see the module docstring for the order).

    Raises DataUnavailable with a one-line reason when nothing works, ChecksumMismatch
    when a cached, mirrored or downloaded file differs from the declared checksum.
    """
    ds = _dataset(dataset_id)
    if config.force_demo():
        return _demo_from_mirror(ds, data_dir) or _demo(ds)
    found = locate(dataset_id, data_dir=data_dir)
    if found is not None:
        return found
    offline = config.offline() if offline is None else offline
    reasons = []
    if ds.url is None:
        reasons.append("no public download (user-supplied data: put the file in a mirror folder)")
    elif offline:
        reasons.append("offline and not in the cache or mirror")
    else:
        try:
            return _download(ds)
        except DataUnavailable as exc:
            reasons.append(str(exc))
    if allow_demo and ds.demo_filename is not None:
        return _demo(ds)
    hint = (
        "; no demo version of it exists"
        if allow_demo
        else "; demo data not allowed here (use --demo)"
    )
    raise DataUnavailable(f"{ds.id} ({ds.filename}): {'; '.join(reasons)}{hint}")


def fetch(
    dataset_ids: list[str] | None = None, *, data_dir: str | Path | None = None
) -> list[Resolved]:
    """Download (or find locally) every declared data set that has a public URL."""
    ids = dataset_ids or [d.id for d in DATASETS.values() if d.url is not None]
    return [resolve(i, data_dir=data_dir, offline=False) for i in ids]
