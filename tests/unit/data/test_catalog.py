"""catalog.resolve(): order, checksums, provenance, offline and demo rules."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from _mirror import _sha, _write_sums

from samenleven_analysis import config
from samenleven_analysis.data import build, catalog
from samenleven_analysis.errors import ChecksumMismatch, DataUnavailable


@pytest.fixture
def no_mirror(monkeypatch):
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)


def test_registry_declares_the_required_sources():
    ids = set(catalog.DATASETS)
    assert {f"population_{y}" for y in range(2009, 2027)} <= ids
    assert {
        "refnis",
        "income",
        "boundaries_belgium_581",
        "boundaries_fb_2025",
        "boundaries_fb_2024",
        "boundaries_fb_2018",
    } <= ids
    pop = catalog.DATASETS["population_2015"]
    assert pop.url.endswith("/TF_SOC_POP_STRUCT_2015.zip") and pop.url.startswith(
        "https://statbel.fgov.be/"
    )
    for ds in catalog.DATASETS.values():
        assert ds.licence and ds.attribution and ds.description
        assert set(ds.sha256) <= set(ds.files)
    shp = catalog.DATASETS["boundaries_fb_2024"]
    assert shp.files == (
        "gemeente2024.shp",
        "gemeente2024.shx",
        "gemeente2024.dbf",
        "gemeente2024.prj",
        "gemeente2024.cpg",
    )
    assert shp.url_for("gemeente2024.dbf").endswith("/gemeente2024.dbf")


def test_mirror_is_searched_by_file_name_and_verified(tmp_path, no_mirror):
    mirror = tmp_path / "mirror" / "nested" / "deeper"
    mirror.mkdir(parents=True)
    (mirror / "TF_SOC_POP_STRUCT_2030.zip").write_bytes(b"not declared")
    (mirror / "outcomes.csv").write_text("refnis,year,outcome,value\n")
    found = catalog.resolve("outcomes", data_dir=tmp_path / "mirror", offline=True)
    assert found.source == "mirror" and found.path == mirror / "outcomes.csv"
    assert found.sha256 == _sha(mirror / "outcomes.csv") and found.demo is False
    prov = found.provenance()
    assert (
        prov["dataset_id"] == "outcomes"
        and prov["file"] == "outcomes.csv"
        and prov["demo"] is False
    )


def test_checksum_mismatch_in_mirror_is_a_clear_error(tmp_path, no_mirror):
    (tmp_path / "TU_COM_REFNIS.txt").write_text("LVL_REFNIS|CD_REFNIS\n")
    with pytest.raises(ChecksumMismatch, match=r"TU_COM_REFNIS\.txt.*sha256.*refnis"):
        catalog.resolve("refnis", data_dir=tmp_path, offline=True)


def test_checksum_mismatch_on_download_caches_nothing(tmp_path, no_mirror, monkeypatch):
    """A download whose bytes differ from the declared sha256 raises and leaves no file."""
    served = tmp_path / "server" / "TU_COM_REFNIS.txt"
    served.parent.mkdir()
    served.write_text("tampered\n")
    ds = catalog.DATASETS["refnis"]
    monkeypatch.setitem(
        catalog.DATASETS,
        "refnis",
        catalog.Dataset(**{**ds.__dict__, "url": served.as_uri()}),
    )
    import pooch

    # pooch has no file:// downloader: serve the file through a downloader stand-in
    def fake_retrieve(url, known_hash, fname, path, progressbar):
        target = Path(path) / fname
        tmp = Path(path) / (fname + ".part")
        tmp.write_bytes(served.read_bytes())
        if known_hash and known_hash.split(":")[1] != _sha(tmp):
            tmp.unlink()
            raise ValueError(
                f"SHA256 hash of downloaded file does not match the known hash: expected {known_hash}"
            )
        tmp.rename(target)
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(ChecksumMismatch, match="refnis"):
        catalog.resolve("refnis", offline=False)
    assert not any(config.raw_dir().glob("TU_COM_REFNIS*"))


def test_network_failure_is_one_line_and_not_retried(tmp_path, no_mirror, monkeypatch):
    import pooch

    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", failing)
    with pytest.raises(DataUnavailable) as info:
        catalog.resolve("population_2016", offline=False)
    assert len(calls) == 1
    message = str(info.value)
    assert "\n" not in message and "population_2016" in message and "ConnectionError" in message


def test_offline_without_demo_is_a_clear_error(no_mirror):
    with pytest.raises(DataUnavailable, match=r"population_2016.*offline.*demo data not allowed"):
        catalog.resolve("population_2016", offline=True)


def test_user_supplied_without_mirror_says_so(no_mirror):
    with pytest.raises(DataUnavailable, match="user-supplied"):
        catalog.resolve("programmes", offline=True)


def test_offline_with_demo_allowed_falls_back_and_flags_demo(no_mirror, demo_dir):
    found = catalog.resolve("population_2016", offline=True, allow_demo=True)
    assert found.demo is True and found.source == "demo"
    assert found.path == demo_dir / "TF_SOC_POP_STRUCT_2016.zip"
    assert found.provenance()["demo"] is True


def test_no_demo_version_for_years_demoland_does_not_cover(no_mirror, demo_dir):
    with pytest.raises(DataUnavailable, match="no demo version of it exists"):
        catalog.resolve("population_2009", offline=True, allow_demo=True)


def test_demo_folder_used_as_mirror_is_flagged_demo(demo_dir, no_mirror):
    found = catalog.resolve("refnis", data_dir=demo_dir, offline=True)
    assert found.source == "mirror" and found.demo is True


def test_cache_is_preferred_and_verified(no_mirror):
    cache = config.raw_dir()
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "TF_SOC_POP_STRUCT_2026.zip").write_bytes(b"cached")
    found = catalog.resolve("population_2026", offline=True)
    assert found.source == "cache" and found.demo is False
    (cache / "TF_SOC_POP_STRUCT_2026.zip").unlink()


# ----------------------------------------------------------------------------- SHA256SUMS gaps
def _summed_mirror(folder: Path, demo_dir: Path) -> Path:
    """A mirror holding a copy of the Demoland partnerships.csv and its SHA256SUMS."""
    folder.mkdir(parents=True, exist_ok=True)
    data = (demo_dir / "partnerships.csv").read_bytes()
    (folder / "partnerships.csv").write_bytes(data)
    (folder / "SHA256SUMS").write_text(
        f"{hashlib.sha256(data).hexdigest()}  partnerships.csv\n", encoding="utf-8"
    )
    return folder


def test_sha256sums_that_is_not_utf8_is_a_clear_error(tmp_path, no_mirror, demo_dir):
    mirror = _summed_mirror(tmp_path / "m", demo_dir)
    sums = mirror / "SHA256SUMS"
    sums.write_bytes(sums.read_bytes() + b"0" * 64 + b"  caf\xe9.csv\n")
    with pytest.raises(ChecksumMismatch, match="row 2: not UTF-8") as err:
        catalog.resolve("partnerships", data_dir=mirror, offline=True)
    assert str(sums) in str(err.value) and "\n" not in str(err.value)


def test_conflicting_duplicate_entries_are_an_error(tmp_path, no_mirror, demo_dir):
    mirror = _summed_mirror(tmp_path / "m", demo_dir)
    sums = mirror / "SHA256SUMS"
    good = sums.read_text(encoding="utf-8")
    # The same entry twice is harmless; a second, different checksum must not win.
    sums.write_text(good + good, encoding="utf-8")
    assert catalog.resolve("partnerships", data_dir=mirror, offline=True).source == "mirror"
    edited = mirror / "partnerships.csv"
    edited.write_text(edited.read_text(encoding="utf-8") + "IGS09,X,99015\n", encoding="utf-8")
    sums.write_text(good + f"{_sha(edited)}  ./partnerships.csv\n", encoding="utf-8")
    with pytest.raises(ChecksumMismatch, match="row 2: .*partnerships.csv.*also listed on row 1"):
        catalog.resolve("partnerships", data_dir=mirror, offline=True)


@pytest.mark.parametrize(
    "line", ["{sha}  /etc/passwd", "{sha}  ../outside.csv", "{sha}  a/../../x"]
)
def test_sha256sums_entries_outside_the_folder_are_malformed(tmp_path, no_mirror, demo_dir, line):
    mirror = _summed_mirror(tmp_path / "m", demo_dir)
    sums = mirror / "SHA256SUMS"
    sums.write_text(sums.read_text() + line.format(sha="0" * 64) + "\n", encoding="utf-8")
    with pytest.raises(ChecksumMismatch, match="row 2: .*outside"):
        catalog.resolve("partnerships", data_dir=mirror, offline=True)


def test_a_file_symlinked_from_outside_the_mirror_is_refused(tmp_path, no_mirror, demo_dir):
    mirror = _summed_mirror(tmp_path / "m", demo_dir)
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes((mirror / "partnerships.csv").read_bytes())
    (mirror / "partnerships.csv").unlink()
    (mirror / "partnerships.csv").symlink_to(outside)
    with pytest.raises(DataUnavailable, match="outside the mirror folder") as err:
        catalog.resolve("partnerships", data_dir=mirror, offline=True)
    assert "partnerships.csv" in str(err.value)
    # A symlink that stays inside the mirror is fine.
    (mirror / "sub").mkdir()
    outside.rename(mirror / "sub" / "real.csv")
    (mirror / "partnerships.csv").unlink()
    (mirror / "partnerships.csv").symlink_to(mirror / "sub" / "real.csv")
    assert catalog.resolve("partnerships", data_dir=mirror, offline=True).source == "mirror"


def test_a_sha256sums_symlinked_from_outside_the_mirror_is_refused(tmp_path, no_mirror, demo_dir):
    mirror = _summed_mirror(tmp_path / "m", demo_dir)
    edited = mirror / "partnerships.csv"
    edited.write_text(edited.read_text(encoding="utf-8") + "IGS09,X,99015\n", encoding="utf-8")
    forged = tmp_path / "forged_SHA256SUMS"
    forged.write_text(f"{_sha(edited)}  partnerships.csv\n", encoding="utf-8")
    (mirror / "SHA256SUMS").unlink()
    (mirror / "SHA256SUMS").symlink_to(forged)
    with pytest.raises(ChecksumMismatch, match="SHA256SUMS.*outside the mirror folder"):
        catalog.resolve("partnerships", data_dir=mirror, offline=True)


# ----------------------------------------------------------------------------- demo folder as given
def _demo_copy(demo_dir: Path, folder: Path) -> Path:

    shutil.copytree(demo_dir, folder)
    geo = folder / "demoland_2025.geojson"
    geo.write_text(geo.read_text(encoding="utf-8").replace('"Bravegem"', '"Bravegem-Edited"'))
    igs = folder / "partnerships.csv"
    igs.write_text(igs.read_text(encoding="utf-8").replace("Vloxheide", "Vlox"), encoding="utf-8")
    rules = folder / "00000000000000-demoland-call-rules.sparql"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace('range:maximum "500"', 'range:maximum "400"'), encoding="utf-8")
    return folder


def test_every_file_of_a_given_demo_folder_is_read_from_it(
    tmp_path, no_mirror, demo_dir, monkeypatch
):
    # With --data-dir <demo copy> the kernels run with SAMENLEVEN_DEMO=1: the edited
    # geojson and call rules were ignored for the generated ones (and their sha reported).
    mirror = _demo_copy(demo_dir, tmp_path / "copy")
    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    for ds, name in [
        ("boundaries_demo_2025", "demoland_2025.geojson"),
        ("call_config", "00000000000000-demoland-call-rules.sparql"),
        ("partnerships", "partnerships.csv"),
    ]:
        for found in (
            catalog.resolve(ds, data_dir=mirror),
            catalog.resolve_demo(ds, data_dir=mirror),
        ):
            assert found.path == mirror / name and found.demo and found.source == "mirror"
            assert found.sha256 == _sha(mirror / name) != _sha(demo_dir / name)
    monkeypatch.setenv("SAMENLEVEN_DATA_DIR", str(mirror))  # what the runner passes on
    from samenleven_analysis.data import boundaries

    shapes = boundaries.load_boundaries(2025, "flanders_brussels", demo=True)
    assert "Bravegem-Edited" in set(shapes["name_nl"])
    # Without the mirror, the generated set is still what demo mode uses.
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR")
    assert catalog.resolve("call_config").path.parent == config.demo_dir()


def test_a_demo_folder_call_rules_are_built_from_it(tmp_path, no_mirror, demo_dir):

    mirror = _demo_copy(demo_dir, tmp_path / "copy")
    result = build.build(2025, data_dir=mirror, out=tmp_path / "out", tables=["call_rules"])
    rules, prov = build.load("call_rules", result.out_dir)
    edited = mirror / "00000000000000-demoland-call-rules.sparql"
    assert [i["sha256"] for i in prov["inputs"]] == [_sha(edited)]
    assert 400 in set(rules["max_units"]) and 500 not in set(rules["max_units"])


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_mirror_sha256sums_are_verified(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "outcomes.csv"
    target.write_text("refnis,year,outcome,value\n11002,2016,x,1.0\n")
    _write_sums(tmp_path)
    assert catalog.locate("outcomes", data_dir=tmp_path).sha256 == _sha(target)
    target.write_text("refnis,year,outcome,value\n11002,2016,x,2.0\n")  # an edited value
    with pytest.raises(ChecksumMismatch, match=r"sub/outcomes\.csv"):
        catalog.locate("outcomes", data_dir=tmp_path)
    (tmp_path / "treatment.csv").write_text("applicant,refnis,cohort,eligible\n")
    with pytest.raises(ChecksumMismatch, match=r"treatment\.csv"):  # not listed
        catalog.locate("treatment", data_dir=tmp_path)


def test_a_download_records_the_sha256_it_got(tmp_path, monkeypatch):
    import pooch

    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))  # not the shared cache
    payload = b"CD_REFNIS|x\n11002|1\n"

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        (Path(path) / fname).write_bytes(payload)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = catalog.resolve("population_2016", offline=False)
    assert got.source == "download"
    assert got.provenance()["sha256"] == hashlib.sha256(payload).hexdigest()
