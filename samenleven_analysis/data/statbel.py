"""Readers for Statbel open-data files → tidy, typed frames.

* :func:`read_population` — ``TF_SOC_POP_STRUCT_YYYY`` (population on 1 January by
  municipality × sex × nationality × civil status × age), zipped ``.txt``, bare ``.txt`` or
  the ``.xlsx`` edition, both column layouts (2009–2015 ``CD_MUNTY_REFNIS … CD_YEAR``;
  2016+ ``CD_REFNIS, TX_DESCR_NL …`` with the year taken from the file name).
* :func:`read_refnis` — the REFNIS code list ``TU_COM_REFNIS.txt``.
* :func:`read_income` — fiscal income ``TF_PSNL_INC_TAX_MUNTY.xlsx``.

Every reader raises :class:`~samenleven_analysis.errors.DataError` naming the file, the
1-based line (header = line 1; for spreadsheets the sheet row) and the column of the first
offending value. The population reader is the hot path of ``samenleven build``: it parses
with ``pyarrow.csv`` (only the needed columns), validates with vectorised Arrow/NumPy
checks and sums civil status away on a packed integer key; the slow, line-by-line
diagnosis only runs once something is already known to be wrong.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.errors import NO_DATA_ROWS, DataError

__all__ = [
    "POPULATION_COLUMNS",
    "population_year_from_name",
    "read_income",
    "read_population",
    "read_refnis",
]

POPULATION_COLUMNS = ("year", "refnis", "sex", "nationality", "age", "population")
"""Column order of :func:`read_population`'s result (contract: docs/design.md)."""

_BOM = b"\xef\xbb\xbf"
_YEAR_IN_NAME = re.compile(r"TF_SOC_POP_STRUCT_(\d{4})", re.IGNORECASE)

# Source column names per layout. The 2009–2015 files prefix the municipality columns
# with MUNTY_ and carry CD_YEAR; the 2016+ files do not.
_CODE_COLUMNS = ("CD_REFNIS", "CD_MUNTY_REFNIS")
_NAME_COLUMNS = {
    "CD_REFNIS": ("TX_DESCR_NL", "TX_DESCR_FR"),
    "CD_MUNTY_REFNIS": ("TX_MUNTY_DESCR_NL", "TX_MUNTY_DESCR_FR"),
}
_REQUIRED = ("CD_SEX", "CD_NATLTY", "CD_CIV_STS", "CD_AGE", "MS_POPULATION")
_SEXES = ("F", "M")  # index = bit in the packed key
_NATIONALITIES = ("BEL", "ETR")
_MAX_AGE = 255  # packed key reserves 8 bits; Statbel ages stop well below


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def population_year_from_name(name: str | Path) -> int | None:
    """The year in a ``TF_SOC_POP_STRUCT_YYYY`` file name, or None."""
    m = _YEAR_IN_NAME.search(Path(name).name)
    return int(m.group(1)) if m else None


def _location(path: Path, member: str | None) -> str:
    return f"{path}!{member}" if member else str(path)


# Resource limits for what a data file may expand to in memory. The largest real Statbel
# file is a population member of 103 MB (TF_SOC_POP_STRUCT_2015.txt, compressed 38x to
# 2.7 MB); the income spreadsheet's sheet is 15 MB (5x). The caps leave ~5x headroom for
# future editions while stopping a zip bomb (a 1.5 MB zip holding a 1.5 GB member reached
# 3.4 GB of memory) before it is inflated.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
"""Largest uncompressed size of a zip member or bare text file that a reader accepts."""
MAX_COMPRESSION_RATIO = 200
"""Largest uncompressed/compressed ratio of a zip member (real files: 38x at most)."""
_RATIO_CHECKED_FROM = 1024 * 1024  # tiny members cannot exhaust memory, whatever their ratio


def check_zip_sizes(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a zip archive whose members declare too large a size or compression ratio.

    A zip archive: the population zip, ``.xlsx``. Too large: beyond :data:`MAX_UNCOMPRESSED_BYTES` /
    :data:`MAX_COMPRESSION_RATIO`.
    """
    for info in zf.infolist():
        if info.file_size > MAX_UNCOMPRESSED_BYTES:
            raise DataError(
                f"zip member {info.filename} declares {info.file_size:,} bytes uncompressed, "
                f"more than the {MAX_UNCOMPRESSED_BYTES:,} bytes a data file may have "
                "(a zip bomb or a wrong file)",
                file=path,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= _RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise DataError(
                f"zip member {info.filename} expands {ratio:,.0f}x ({info.compress_size:,} to "
                f"{info.file_size:,} bytes), more than the {MAX_COMPRESSION_RATIO}x real data "
                "files reach (a zip bomb or a wrong file)",
                file=path,
            )


class _GuardedStream(io.RawIOBase):
    """A binary stream that stops at :data:`MAX_UNCOMPRESSED_BYTES` and counts its newlines.

    It stops there whatever a zip member declares, and counts the newlines it passed on (the
    row-count cross-check).
    """

    def __init__(self, raw, file: str, limit: int | None = None):
        self._raw = raw
        self._file = file
        self._limit = MAX_UNCOMPRESSED_BYTES if limit is None else limit
        self.bytes_read = 0
        self.newlines = 0
        self.last_byte = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size is not None and size >= 0 else self._limit + 1)
        if data:
            self.bytes_read += len(data)
            if self.bytes_read > self._limit:
                raise DataError(
                    f"the data expands to more than {self._limit:,} bytes, more than a data "
                    "file may have (a zip bomb or a wrong file)",
                    file=self._file,
                )
            self.newlines += data.count(b"\n")
            self.last_byte = data[-1:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()

    @property
    def lines(self) -> int:
        """Physical lines passed on so far (a last line without a newline counts)."""
        return self.newlines + (1 if self.last_byte not in (b"", b"\n") else 0)


@contextmanager
def _open_text_source(path: Path):
    """Yield ``(opener, member)``: ``opener()`` returns a fresh binary stream of the text.

    Zip archives must hold exactly one ``.txt``/``.csv`` member. A truncated or corrupt
    archive becomes a DataError naming the file; so does a member (or bare file) beyond the
    resource limits (:data:`MAX_UNCOMPRESSED_BYTES`, :data:`MAX_COMPRESSION_RATIO`).
    """
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DataError(
                f"truncated or corrupt zip archive ({exc}); download it again", file=path
            ) from None
        with zf:
            members = [
                i.filename
                for i in zf.infolist()
                if not i.is_dir() and i.filename.lower().endswith((".txt", ".csv"))
            ]
            if len(members) != 1:
                raise DataError(
                    f"expected one .txt member in the zip archive, found {members or 'none'}",
                    file=path,
                )
            check_zip_sizes(zf, path)
            where = _location(path, members[0])
            yield (lambda: _GuardedStream(zf.open(members[0]), where)), members[0]
    else:
        size = path.stat().st_size
        if size > MAX_UNCOMPRESSED_BYTES:
            raise DataError(
                f"{size:,} bytes, more than the {MAX_UNCOMPRESSED_BYTES:,} bytes a data file "
                "may have",
                file=path,
            )
        yield (lambda: _GuardedStream(open(path, "rb"), str(path))), None


_MAX_HEADER_BYTES = 1 << 16
"""A header line is a few hundred bytes; a file without LF gets its CR error at this length."""


def _read_header(stream, file: str) -> list[str]:
    # buffered and bounded: a raw stream's readline reads one byte per call, and a file with
    # bare CR line ends has no LF at all (12 million calls for one population file)
    raw = io.BufferedReader(stream, _MAX_HEADER_BYTES).readline(_MAX_HEADER_BYTES)
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise DataError(f"header is not UTF-8 ({exc})", file=file, row=1) from None
    if not line.strip():
        raise DataError("empty file or empty header line", file=file, row=1)
    if "\r" in line:
        raise DataError(
            "lines end in a bare carriage return (CR, old Mac format); save the file with "
            "LF or CRLF line ends",
            file=file,
            row=1,
        )
    if "|" not in line:
        guess = next((d for d in (";", ",", "\t") if d in line), None)
        found = (
            f" (it looks {'tab' if guess == chr(9) else repr(guess)}-delimited)" if guess else ""
        )
        raise DataError(
            f"the header has no '|': Statbel files are pipe-delimited{found}",
            file=file,
            row=1,
        )
    # csv handles quoted names ("CD_REFNIS"|...), which some writers produce for headers.
    return [c.strip() for c in next(csv.reader([line], delimiter="|"))]


def _check_row_count(rows: int, lines: int, file: str) -> None:
    """Rows read by a line-oriented reader (blank lines kept) = the file's lines - header."""
    if rows != lines - 1:
        raise DataError(
            f"{rows:,} rows read but the file has {lines - 1:,} data lines (the line count); "
            "a line was lost or split while reading",
            file=file,
        )


def _read_pipe_text(stream, file: str, **options) -> pd.DataFrame:
    """A Statbel pipe file as text columns, every row kept (blank lines too).

    Read without quote processing (the files are not quoted; a leading '"' is part of a name), then
    the rows read checked against the file's line count (``stream`` counts its lines as it is read).
    """
    raw = pd.read_csv(
        stream,
        sep="|",
        dtype=str,
        encoding="utf-8-sig",
        keep_default_na=False,
        skip_blank_lines=False,
        quoting=csv.QUOTE_NONE,
        **options,
    )
    stream.read()  # to the end, so that the line count is complete
    _check_row_count(len(raw), stream.lines, file)
    return raw


def _is_corrupt_stream(exc: BaseException) -> bool:
    return isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError))


# ---------------------------------------------------------------------------------------
# population
# ---------------------------------------------------------------------------------------
def read_population(
    path: str | Path,
    *,
    codes: Iterable[str] | None = None,
    year: int | None = None,
    with_names: bool = False,
    recode: Mapping[str, str] | None = None,
):
    """Read one ``TF_SOC_POP_STRUCT_YYYY`` file into the tidy population table.

    Parameters
    ----------
    path:
        ``.zip`` (one pipe-delimited ``.txt`` inside), bare ``.txt``/``.csv`` or ``.xlsx``.
        Text must be UTF-8, with or without BOM, CRLF or LF line ends.
    codes:
        The municipality codes valid for the data's year (its vintage, see
        :func:`samenleven_analysis.data.municipalities.vintage_of_year`); any other code is a
        DataError listing the unknown codes. None skips that check.
    year:
        Used only when neither a ``CD_YEAR`` column nor a ``TF_SOC_POP_STRUCT_YYYY`` file
        name gives the year; a ``year`` that contradicts them is an error.
    with_names:
        Also return the municipality names found in the file (``refnis, name_nl,
        name_fr``) as a second frame.
    recode:
        Optional ``{old code: new code}`` applied after validation and before the sum, so
        that harmonising to a later municipality vintage (merged municipalities summed) costs
        nothing extra; build passes :meth:`municipalities.Geography.mapping`.

    Returns:
    -------
    DataFrame with columns ``year`` (int64), ``refnis`` (5-digit str), ``sex`` (``M``/``F``),
    ``nationality`` (``BEL``/``ETR``), ``age`` (int64), ``population`` (int64, summed over
    civil status), sorted by ``refnis, sex, nationality, age``; one row per key.

    Raises:
    ------
    DataError naming file, line and column for: a header without ``|`` (wrong delimiter), a
    missing column, a malformed line, an unknown or malformed municipality code, a
    sex/nationality outside M/F, BEL/ETR, a missing, non-numeric or negative count or age,
    a duplicate ``(municipality, sex, nationality, civil status, age)`` key, and a truncated
    or corrupt zip archive.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        table, line_of, file, code_col, name_cols = _population_table_from_excel(path, with_names)
    else:
        table, line_of, file, code_col, name_cols = _population_table_from_text(path, with_names)
    if table.num_rows == 0:
        raise DataError(NO_DATA_ROWS, file=file)
    year = _population_year(table, path, year, file, line_of)
    frame = _clean_population(table, code_col, year, codes, file, line_of, recode)
    if not with_names:
        return frame
    names = _population_names(table, code_col, name_cols)
    return frame, names


def _population_columns(header: list[str], file: str) -> tuple[str, tuple[str, str]]:
    code_col = next((c for c in _CODE_COLUMNS if c in header), None)
    if code_col is None:
        raise DataError(
            "missing column: neither CD_REFNIS (2016+ layout) nor CD_MUNTY_REFNIS (2009-2015 "
            "layout) is in the header",
            file=file,
            row=1,
            column="CD_REFNIS",
        )
    for col in _REQUIRED:
        if col not in header:
            raise DataError(f"missing column {col}", file=file, row=1, column=col)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(f"duplicate column name(s) {dupes}", file=file, row=1, column=dupes[0])
    return code_col, _NAME_COLUMNS[code_col]


def _population_table_from_text(path: Path, with_names: bool):
    with _open_text_source(path) as (opener, member):
        file = _location(path, member)
        try:
            with opener() as stream:
                header = _read_header(stream, file)
        except DataError:
            raise
        except Exception as exc:
            if _is_corrupt_stream(exc):
                raise DataError(f"truncated or corrupt zip archive ({exc})", file=path) from None
            raise
        code_col, name_cols = _population_columns(header, file)
        wanted = [code_col, *_REQUIRED] + (["CD_YEAR"] if "CD_YEAR" in header else [])
        if with_names:
            wanted += [c for c in name_cols if c in header]
        types = {c: pa.string() for c in wanted}
        types.update({"CD_AGE": pa.int64(), "MS_POPULATION": pa.int64()})
        if "CD_YEAR" in header:
            types["CD_YEAR"] = pa.int64()
        try:
            with opener() as stream:
                # Statbel's pipe files are not quoted: no quote processing, or a name that
                # starts with '"' opens a "quoted field" that swallows the lines after it.
                # The header comes from _read_header (which tolerates quoted names).
                table = pacsv.read_csv(
                    stream,
                    read_options=pacsv.ReadOptions(
                        use_threads=True, column_names=header, skip_rows=1
                    ),
                    parse_options=pacsv.ParseOptions(
                        delimiter="|", quote_char=False, newlines_in_values=False
                    ),
                    convert_options=pacsv.ConvertOptions(
                        include_columns=wanted,
                        column_types=types,
                        strings_can_be_null=False,
                    ),
                )
                stream.read()  # to the end, so that every line is counted
                physical_lines = stream.lines
        except pa.ArrowInvalid as exc:
            # Something is malformed: find the exact line and column the slow way.
            _diagnose_text(opener, header, file, str(exc))
            raise DataError(f"unreadable table ({exc})", file=file) from None
        except Exception as exc:
            if _is_corrupt_stream(exc):
                raise DataError(f"truncated or corrupt zip archive ({exc})", file=path) from None
            raise
    table = table.combine_chunks()
    line_of = _TextLines(opener_factory=lambda: _reopen(path), n_rows=table.num_rows)
    if table.num_rows != physical_lines - 1:  # blank lines (skipped) or rows lost
        _check_rows_against_lines(table, line_of, header, code_col, file)
    return table, line_of, file, code_col, name_cols


def _check_rows_against_lines(table: pa.Table, line_of, header, code_col: str, file: str):
    """Cross-check the rows read against the file's non-blank lines.

    The slow path, run only when the quick newline count disagrees: an error names the first line
    that did not become its own row.
    """
    lines = line_of.lines()
    if len(lines) == table.num_rows:
        return  # only blank lines, which are skipped on purpose
    pos_code, pos_pop = header.index(code_col), header.index("MS_POPULATION")
    codes = table[code_col].to_pylist()
    pops = table["MS_POPULATION"].to_pylist()
    first = len(lines)
    with _reopen_lines(line_of) as texts:
        for i, (lineno, text) in enumerate(texts):
            fields = text.split("|")
            if (
                i >= len(codes)
                or len(fields) != len(header)
                or fields[pos_code] != codes[i]
                or fields[pos_pop].strip() != str(pops[i])
            ):
                first = lineno
                break
    raise DataError(
        f"{table.num_rows:,} rows read but the file has {len(lines):,} data lines (the line "
        f"count); line {first} is the first that was not read as its own row",
        file=file,
        row=first,
    )


@contextmanager
def _reopen_lines(line_of):
    """Yield ``(line number, text)`` for the non-blank data lines (error path only)."""
    with io.BufferedReader(line_of.open(), 1 << 20) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        text.readline()

        def gen():
            for n, line in enumerate(text, start=2):
                line = line.rstrip("\r\n")
                if line:
                    yield n, line

        yield gen()


def _reopen(path: Path):
    """A fresh binary stream of the text inside ``path`` (used only on error paths)."""
    if path.suffix.lower() == ".zip":
        zf = zipfile.ZipFile(path)
        name = next(
            i.filename for i in zf.infolist() if i.filename.lower().endswith((".txt", ".csv"))
        )
        return _GuardedStream(_ClosingMember(zf, name), str(path))
    return _GuardedStream(open(path, "rb"), str(path))


class _ClosingMember:
    """A zip member stream that also closes its archive."""

    def __init__(self, zf: zipfile.ZipFile, name: str):
        self._zf = zf
        self._stream = zf.open(name)

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def close(self) -> None:
        self._stream.close()
        self._zf.close()


class _TextLines:
    """Map a 0-based data-row index to the 1-based physical line number.

    pyarrow skips empty lines, so on the (rare) error path we count the non-empty lines
    ourselves instead of assuming ``index + 2``.
    """

    def __init__(self, opener_factory, n_rows: int):
        self.open = opener_factory
        self._lines: list[int] | None = None

    def lines(self) -> list[int]:
        """Physical line numbers of the non-blank data lines."""
        if self._lines is None:
            lines = []
            with io.BufferedReader(self.open(), 1 << 20) as stream:
                stream.readline()
                for n, raw in enumerate(stream, start=2):
                    if raw.strip(b"\r\n"):
                        lines.append(n)
            self._lines = lines
        return self._lines

    def __call__(self, index: int) -> int:
        lines = self.lines()
        return lines[index] if index < len(lines) else index + 2


def _diagnose_text(opener, header: list[str], file: str, arrow_message: str) -> None:
    """Scan the text line by line and raise a DataError at the first malformed value."""
    ncols = len(header)
    pos = {c: header.index(c) for c in header}
    ints = [c for c in ("CD_AGE", "MS_POPULATION", "CD_YEAR") if c in pos]
    with io.BufferedReader(opener(), 1 << 20) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        text.readline()
        for lineno, line in enumerate(text, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("|")  # not quoted (see _population_table_from_text)
            if len(fields) != ncols:
                raise DataError(
                    f"expected {ncols} '|'-separated fields, found {len(fields)}: {line[:80]!r}",
                    file=file,
                    row=lineno,
                    column=header[min(len(fields), ncols) - 1],
                )
            for col in ints:
                value = fields[pos[col]].strip()
                if value == "":
                    what = "count" if col == "MS_POPULATION" else "value"
                    raise DataError(f"missing {what}", file=file, row=lineno, column=col)
                if not re.fullmatch(r"[+-]?\d+", value):
                    what = "count" if col == "MS_POPULATION" else "number"
                    raise DataError(
                        f"non-numeric {what} {value!r}", file=file, row=lineno, column=col
                    )
    raise DataError(f"could not parse the table: {arrow_message}", file=file)


def _population_table_from_excel(path: Path, with_names: bool):
    file = str(path)
    try:
        wanted = {
            *_CODE_COLUMNS,
            *_REQUIRED,
            "CD_YEAR",
            *(c for pair in _NAME_COLUMNS.values() for c in pair),
        }
        raw = _read_excel(path, columns=wanted)  # only the columns we may use become a frame
    except Exception as exc:
        raise DataError(
            f"unreadable spreadsheet ({type(exc).__name__}: {exc})", file=path
        ) from None
    header = [str(c).strip() for c in raw.columns]
    raw.columns = header
    code_col, name_cols = _population_columns(header, file)
    line_of = _excel_line  # sheet row = index + 2 (header in row 1)
    cols: dict[str, pa.Array] = {}
    for col in [code_col, "CD_SEX", "CD_NATLTY", "CD_CIV_STS"] + (
        [c for c in name_cols if c in header] if with_names else []
    ):
        s = raw[col]
        # numeric cells come back as int/float: render codes without a trailing ".0"
        s = s.map(
            lambda v: (
                ""
                if v is None or (isinstance(v, float) and np.isnan(v))
                else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
            )
        )
        cols[col] = pa.array(s.tolist(), type=pa.string())
    for col in ["CD_AGE", "MS_POPULATION"] + (["CD_YEAR"] if "CD_YEAR" in header else []):
        cols[col] = pa.array(_excel_ints(raw[col], col, file), type=pa.int64())
    return pa.table(cols), line_of, file, code_col, name_cols


def _excel_line(index: int) -> int:
    return int(index) + 2


def _excel_ints(s: pd.Series, col: str, file: str) -> np.ndarray:
    num = pd.to_numeric(s, errors="coerce")
    missing = s.isna() | (s.astype(str).str.strip() == "")
    bad = num.isna() & ~missing
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataError("missing value", file=file, row=_excel_line(i), column=col)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"non-numeric value {s.iloc[i]!r}", file=file, row=_excel_line(i), column=col
        )
    frac = num % 1 != 0
    if frac.any():
        i = int(np.flatnonzero(frac.to_numpy())[0])
        raise DataError(
            f"not a whole number: {s.iloc[i]!r}", file=file, row=_excel_line(i), column=col
        )
    return num.astype("int64").to_numpy()


def _read_excel(path: Path, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """First sheet of a spreadsheet as text/number cells (object columns), header in row 1.

    Uses python-calamine directly (Rust: ~5x faster than pandas' per-cell conversion) and
    falls back to pandas/openpyxl when it is not installed. ``columns`` limits the frame to
    those columns (missing ones are simply absent: callers report them).
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        with zipfile.ZipFile(path) as zf:
            check_zip_sizes(zf, path)
        frame = pd.read_excel(path, dtype=object)
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame[[c for c in columns if c in frame.columns]] if columns else frame
    if zipfile.is_zipfile(path):  # .xlsx is a zip archive: the same resource limits
        with zipfile.ZipFile(path) as zf:
            check_zip_sizes(zf, path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    if not rows:
        return pd.DataFrame()
    header = [str(c).strip() for c in rows[0]]
    body = rows[1:]
    # calamine pads ragged rows; drop trailing fully empty rows (formatting leftovers).
    while body and all(v in ("", None) for v in body[-1]):
        body.pop()
    wanted = None if columns is None else set(columns)
    keep = [i for i, c in enumerate(header) if wanted is None or c in wanted]
    data = {
        header[i]: pd.Series([r[i] if i < len(r) else None for r in body], dtype=object)
        for i in keep
    }
    return pd.DataFrame(data)


def _population_year(table: pa.Table, path: Path, year: int | None, file: str, line_of) -> int:
    from_name = population_year_from_name(file) or population_year_from_name(path)
    from_col = None
    if "CD_YEAR" in table.column_names:
        col = table["CD_YEAR"]
        if col.null_count:
            i = int(pc.index(pc.is_null(col), True).as_py())
            raise DataError("missing year", file=file, row=line_of(i), column="CD_YEAR")
        values = pc.unique(col).to_pylist()
        if len(values) > 1:
            first = pc.index(pc.not_equal(col, col[0]), True).as_py()
            raise DataError(
                f"one file holds one year; found {sorted(values)[:5]}",
                file=file,
                row=line_of(first),
                column="CD_YEAR",
            )
        from_col = values[0] if values else None
    found = [y for y in (from_col, from_name, year) if y is not None]
    if not found:
        raise DataError(
            "cannot tell the year: no CD_YEAR column, no TF_SOC_POP_STRUCT_YYYY file name; "
            "pass year=",
            file=file,
        )
    if len(set(found)) > 1:
        raise DataError(
            f"contradictory years: CD_YEAR={from_col}, file name={from_name}, year={year}",
            file=file,
            column="CD_YEAR" if from_col is not None else None,
        )
    return int(found[0])


def _first(mask: pa.Array | pa.ChunkedArray) -> int:
    """Index of the first True in a boolean array (nulls count as True)."""
    m = pc.fill_null(mask, True)
    return int(pc.index(m, True).as_py())


def _encode(column: pa.ChunkedArray | pa.Array) -> tuple[list, np.ndarray]:
    """Hash-encode a column: (distinct values, int64 index per row)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    enc = pc.dictionary_encode(column)
    indices = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return enc.dictionary.to_pylist(), indices


def _checked_codes(
    table: pa.Table, code_col: str, year: int, codes: Iterable[str] | None, file: str, line_of
) -> tuple[list, np.ndarray, list[str]]:
    """Check the municipality codes of :func:`_clean_population`: (distinct, index per row, 5-digit)."""

    def first_row(bad_values: set, indices: np.ndarray, dictionary: list) -> int:
        bad_idx = [i for i, v in enumerate(dictionary) if v in bad_values]
        return int(np.flatnonzero(np.isin(indices, bad_idx))[0])

    # Municipality code: digits only; Statbel drops leading zeros (2000 → 02000).
    code_dict, code_idx = _encode(table[code_col])
    stripped = [v.strip() if isinstance(v, str) else "" for v in code_dict]
    malformed = {
        v for v, s in zip(code_dict, stripped, strict=True) if not re.fullmatch(r"\d{1,5}", s)
    }
    if malformed:
        i = first_row(malformed, code_idx, code_dict)
        raise DataError(
            f"not a municipality code: {table[code_col][i].as_py()!r}",
            file=file,
            row=line_of(i),
            column=code_col,
        )
    padded = normalise_refnis(list(stripped), name=code_col).tolist()
    if codes is not None:
        allowed = {str(c) for c in codes}
        unknown = sorted({p for p in padded if p not in allowed})
        if unknown:
            bad = {v for v, p in zip(code_dict, padded, strict=True) if p in unknown}
            i = first_row(bad, code_idx, code_dict)
            more = f" (+{len(unknown) - 10} more)" if len(unknown) > 10 else ""
            raise DataError(
                f"unknown municipality code(s) for {year}'s code list "
                f"({len(allowed)} codes): {unknown[:10]}{more}",
                file=file,
                row=line_of(i),
                column=code_col,
            )
    return code_dict, code_idx, padded


def _categorical(
    table: pa.Table, col: str, levels: tuple[str, ...], file: str, line_of
) -> np.ndarray:
    """Column ``col`` as the index of each value in ``levels``; DataError naming any other."""
    n = table.num_rows
    values, idx = _encode(table[col])
    lookup = np.array(
        [
            levels.index(v.strip()) if isinstance(v, str) and v.strip() in levels else -1
            for v in values
        ],
        dtype=np.int64,
    )
    bits = lookup[idx] if n else np.zeros(0, np.int64)
    if n and (bits < 0).any():
        i = int(np.flatnonzero(bits < 0)[0])
        raise DataError(
            f"unexpected value {table[col][i].as_py()!r} (expected one of {list(levels)})",
            file=file,
            row=line_of(i),
            column=col,
        )
    return bits


def _integers(
    table: pa.Table, col: str, what: str, file: str, line_of, upper: int | None = None
) -> np.ndarray:
    """Column ``col`` as integers; DataError on a missing, negative or (above ``upper``) value."""
    arr = table[col]
    if arr.null_count:
        i = _first(pc.is_null(arr))
        raise DataError(f"missing {what}", file=file, row=line_of(i), column=col)
    values = arr.to_numpy()
    neg = values < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise DataError(f"negative {what} {values[i]}", file=file, row=line_of(i), column=col)
    if upper is not None and (values > upper).any():
        i = int(np.flatnonzero(values > upper)[0])
        raise DataError(f"implausible {what} {values[i]}", file=file, row=line_of(i), column=col)
    return values


def _clean_population(
    table: pa.Table,
    code_col: str,
    year: int,
    codes: Iterable[str] | None,
    file: str,
    line_of,
    recode: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Validate the parsed columns and sum civil status away (recoding codes first).

    String columns have few distinct values (≈600 codes, 2 sexes, …), so every check and
    translation runs on the hash dictionary, not on the ~450k rows.
    """
    n = table.num_rows
    code_dict, code_idx, padded = _checked_codes(table, code_col, year, codes, file, line_of)
    code_int = np.array([int(p) for p in padded], dtype=np.int64)[code_idx]
    recoded = recode and any(recode.get(p, p) != p for p in padded)
    if recode and recoded:
        targets = [recode.get(p, p) for p in padded]
        bad_targets = sorted({t for t in targets if not re.fullmatch(r"\d{5}", str(t))})
        if bad_targets:
            raise ValueError(f"recode targets must be 5-digit codes: {bad_targets[:5]}")
        target_int = np.array([int(t) for t in targets], dtype=np.int64)[code_idx]

    sex = _categorical(table, "CD_SEX", _SEXES, file, line_of)
    nat = _categorical(table, "CD_NATLTY", _NATIONALITIES, file, line_of)
    age = _integers(table, "CD_AGE", "age", file, line_of, _MAX_AGE)
    pop = _integers(table, "MS_POPULATION", "count", file, line_of)

    # Pack (refnis, sex, nationality, age, civil status) into one int64 key: one sort then
    # gives the duplicate check (equal neighbours) and the sum over civil status (a reduce
    # over runs of equal key // civil-status radix) — far cheaper than a multi-column group-by.
    civ_values, civ_idx = _encode(table["CD_CIV_STS"])
    radix = len(civ_values) + 1
    key4 = ((code_int * 2 + sex) * 2 + nat) * (_MAX_AGE + 1) + age
    key5 = key4 * radix + civ_idx
    order = np.argsort(key5)
    k5 = key5[order]
    dup = np.flatnonzero(k5[1:] == k5[:-1])
    if dup.size:
        d = int(dup[0])
        a, b = sorted((int(order[d]), int(order[d + 1])))
        raise DataError(
            "duplicate key (municipality, sex, nationality, civil status, age) "
            f"{padded[code_idx[b]]}/{_SEXES[sex[b]]}/{_NATIONALITIES[nat[b]]}/"
            f"{civ_values[civ_idx[b]]}/{age[b]}, first seen on line {line_of(a)}",
            file=file,
            row=line_of(b),
            column=code_col,
        )
    k4 = k5 // radix
    if recoded:
        # The duplicate check above is on the file's own codes; after the recode several
        # source keys share one target key and are summed like the civil statuses.
        key4 = ((target_int * 2 + sex) * 2 + nat) * (_MAX_AGE + 1) + age
        order = np.argsort(key4)
        k4 = key4[order]
    if n:
        starts = np.flatnonzero(np.r_[True, k4[1:] != k4[:-1]])
        keys = k4[starts]
        sums = np.add.reduceat(pop[order], starts)
    else:
        keys = np.zeros(0, np.int64)
        sums = np.zeros(0, np.int64)
    # Unpack the key (sorted ⇒ rows come out sorted by refnis, sex, nationality, age).
    age_out = keys % (_MAX_AGE + 1)
    rest = keys // (_MAX_AGE + 1)
    nat_out = rest % 2
    rest //= 2
    sex_out = rest % 2
    code_out = rest // 2
    # Few distinct codes, and sorted: format each once and repeat it over its run.
    new_code = np.r_[True, code_out[1:] != code_out[:-1]] if n else np.zeros(0, bool)
    uniq = code_out[new_code]
    inv = np.cumsum(new_code) - 1
    refnis_out = pc.take(pa.array([f"{c:05d}" for c in uniq], pa.string()), pa.array(inv))
    out = pa.table(
        {
            "year": pa.array(np.full(len(keys), year, dtype=np.int64)),
            "refnis": refnis_out,
            "sex": pc.take(pa.array(_SEXES), pa.array(sex_out)),
            "nationality": pc.take(pa.array(_NATIONALITIES), pa.array(nat_out)),
            "age": pa.array(age_out.astype(np.int64)),
            "population": pa.array(sums.astype(np.int64)),
        }
    )
    return out.to_pandas()


def _population_names(table: pa.Table, code_col: str, name_cols: tuple[str, str]) -> pd.DataFrame:
    cols = {"refnis": pc.utf8_lpad(pc.utf8_trim_whitespace(table[code_col]), 5, "0")}
    for src, dst in zip(name_cols, ("name_nl", "name_fr"), strict=True):
        if src in table.column_names:
            cols[dst] = table[src]
    names = pa.table(cols).group_by(list(cols)).aggregate([]).to_pandas()
    return names.sort_values(list(names.columns), ignore_index=True)


# ---------------------------------------------------------------------------------------
# REFNIS code list
# ---------------------------------------------------------------------------------------
_REFNIS_COLUMNS = {
    "LVL_REFNIS": "level",
    "CD_REFNIS": "refnis",
    "CD_SUP_REFNIS": "parent",
    "TX_REFNIS_DE": "name_de",
    "TX_REFNIS_FR": "name_fr",
    "TX_REFNIS_NL": "name_nl",
    "DT_VLDT_START": "valid_from",
    "DT_VLDT_END": "valid_to",
}


def _read_refnis_text(path: Path) -> tuple[pd.DataFrame, str]:
    """The REFNIS file's columns as text, and the file's location for error messages."""
    with _open_text_source(path) as (opener, member):
        file = _location(path, member)
        try:
            with opener() as stream:
                header = _read_header(stream, file)
                for col in _REFNIS_COLUMNS:
                    if col not in header:
                        raise DataError(f"missing column {col}", file=file, row=1, column=col)
            with opener() as stream:
                raw = _read_pipe_text(
                    stream, file, usecols=list(_REFNIS_COLUMNS), header=0, names=header
                )
        except DataError:
            raise
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(f"unreadable REFNIS table ({exc})", file=file) from None
        except Exception as exc:
            if _is_corrupt_stream(exc):
                raise DataError(f"truncated or corrupt zip archive ({exc})", file=path) from None
            raise
    return raw, file


def read_refnis(path: str | Path) -> pd.DataFrame:
    """Read Statbel's REFNIS code list (``TU_COM_REFNIS.txt``, or a zip holding it).

    The file is pipe-delimited, UTF-8 with a BOM, CRLF; dates are dd/mm/yyyy and
    ``31/12/9999`` means "still valid".

    Returns a DataFrame with ``level`` (int: 1 region, 2 province, 3 arrondissement,
    4 municipality), ``refnis`` and ``parent`` (5-digit str; parent None for regions),
    ``name_de``, ``name_fr``, ``name_nl``, ``valid_from``, ``valid_to`` (datetime64; the
    open end is 9999-12-31), in file order. A code may appear on several rows (e.g. an
    arrondissement that moved province in 1995): validity dates tell them apart.
    """
    path = Path(path)
    raw, file = _read_refnis_text(path)
    raw = raw[list(_REFNIS_COLUMNS)].rename(columns=_REFNIS_COLUMNS)
    # Trailing blank line → an all-empty row at the end: drop only that case.
    empty = (raw == "").all(axis=1)
    trailing = empty[::-1].cumprod()[::-1].astype(bool)
    raw = raw[~trailing]
    if raw.empty:
        raise DataError(NO_DATA_ROWS, file=file)

    def bad(mask: pd.Series, col: str, what: str):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            src = next(k for k, v in _REFNIS_COLUMNS.items() if v == col)
            raise DataError(f"{what}: {raw[col].iloc[i]!r}", file=file, row=i + 2, column=src)

    bad(~raw["level"].str.fullmatch(r"[1-4]"), "level", "level must be 1-4")
    bad(~raw["refnis"].str.fullmatch(r"\d{1,5}"), "refnis", "not a REFNIS code")
    parent = raw["parent"].str.strip()
    no_parent = parent.isin(["-", ""])
    bad(~no_parent & ~parent.str.fullmatch(r"\d{1,5}"), "parent", "not a REFNIS code")
    dates = {}
    for col in ("valid_from", "valid_to"):
        parsed = pd.to_datetime(raw[col].str.strip(), format="%d/%m/%Y", errors="coerce")
        bad(parsed.isna(), col, "not a dd/mm/yyyy date")
        dates[col] = parsed.astype("datetime64[s]")
    out = pd.DataFrame(
        {
            "level": raw["level"].astype("int64"),
            "refnis": normalise_refnis(raw["refnis"]),
            "parent": normalise_refnis(parent.where(~no_parent, "0")).where(~no_parent, None),
            "name_de": raw["name_de"],
            "name_fr": raw["name_fr"],
            "name_nl": raw["name_nl"],
            "valid_from": dates["valid_from"],
            "valid_to": dates["valid_to"],
        }
    )
    dup = out.duplicated(["refnis", "valid_from"], keep="first")
    bad(dup, "refnis", "duplicate code with the same start date")
    bad(out["valid_to"] < out["valid_from"], "valid_to", "validity ends before it starts")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# fiscal income
# ---------------------------------------------------------------------------------------
_INCOME_COLUMNS = {
    "CD_YEAR": "year",
    "CD_MUNTY_REFNIS": "refnis",
    "MS_TOT_RESIDENTS": "residents",
    "MS_TOT_NET_TAXABLE_INC": "net_taxable_income",
    "MS_NBR_NON_ZERO_INC": "taxpayers",
}


def _read_income_raw(path: Path, file: str) -> pd.DataFrame:
    """The income table as read (spreadsheet or pipe text), its columns checked."""
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            raw = _read_excel(path, columns=_INCOME_COLUMNS)
        else:
            with _open_text_source(path) as (opener, _), opener() as stream:
                raw = _read_pipe_text(stream, file)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            f"unreadable income table ({type(exc).__name__}: {exc})", file=path
        ) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    for col in _INCOME_COLUMNS:
        if col not in raw.columns:
            raise DataError(f"missing column {col}", file=file, row=1, column=col)
    if raw.empty:
        raise DataError(NO_DATA_ROWS, file=file)
    return raw


def _income_numbers(raw: pd.DataFrame, col: str, integer: bool, file: str) -> pd.Series:
    """Column ``col`` of the income table as numbers (``integer``: whole), never negative.

    A missing, non-numeric, negative or (``integer``) fractional value raises DataError.
    """
    s = raw[col]
    num = pd.to_numeric(s, errors="coerce")
    blank = s.isna() | (s.astype(str).str.strip() == "")
    for mask, what in ((blank, "missing value"), (num.isna() & ~blank, "non-numeric value")):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise DataError(f"{what} {s.iloc[i]!r}", file=file, row=i + 2, column=col)
    neg = num < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataError(f"negative value {num.iloc[i]}", file=file, row=i + 2, column=col)
    if integer:
        frac = num % 1 != 0
        if frac.any():
            i = int(np.flatnonzero(frac.to_numpy())[0])
            raise DataError(f"not a whole number {num.iloc[i]}", file=file, row=i + 2, column=col)
        return num.astype("int64")
    return num.astype("float64")


def read_income(path: str | Path) -> pd.DataFrame:
    """Read Statbel's fiscal income per municipality (``TF_PSNL_INC_TAX_MUNTY.xlsx``).

    ``CD_YEAR`` is the *income* year (the assessment year is one later). Returns
    ``year`` (int64), ``refnis`` (5-digit str), ``residents`` (int64, ``MS_TOT_RESIDENTS``),
    ``net_taxable_income`` (float, euro, ``MS_TOT_NET_TAXABLE_INC``), ``taxpayers``
    (int64, declarations with a non-zero income, ``MS_NBR_NON_ZERO_INC``) and
    ``income_per_resident`` (net taxable income / residents, NaN when there are no
    residents), sorted by ``year, refnis``. A ``.csv``/``.txt`` export with the same
    columns (pipe-delimited) is read too.
    """
    path = Path(path)
    file = str(path)
    raw = _read_income_raw(path, file)

    def numbers(col: str, integer: bool) -> pd.Series:
        return _income_numbers(raw, col, integer, file)

    year = numbers("CD_YEAR", True)
    try:
        refnis = normalise_refnis(numbers("CD_MUNTY_REFNIS", True))
    except ValueError as exc:  # pragma: no cover - numbers() already guarantees digits
        raise DataError(str(exc), file=file, column="CD_MUNTY_REFNIS") from None
    out = pd.DataFrame(
        {
            "year": year,
            "refnis": refnis,
            "residents": numbers("MS_TOT_RESIDENTS", True),
            "net_taxable_income": numbers("MS_TOT_NET_TAXABLE_INC", False),
            "taxpayers": numbers("MS_NBR_NON_ZERO_INC", True),
        }
    )
    dup = out.duplicated(["year", "refnis"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"duplicate key (year, municipality) {out.year.iloc[i]}/{out.refnis.iloc[i]}",
            file=file,
            row=i + 2,
            column="CD_MUNTY_REFNIS",
        )
    out["income_per_resident"] = out["net_taxable_income"] / out["residents"].where(
        out["residents"] > 0
    )
    return out.sort_values(["year", "refnis"], ignore_index=True)
