"""Exceptions with messages a user can act on (file, row, column)."""

from __future__ import annotations

from pathlib import Path

NO_DATA_ROWS = "no data rows (the file holds only a header); supply the data or remove the file"
"""Message of the DataError raised for an input without data rows."""


class SamenlevenError(Exception):
    """Base class for the package's own errors."""


class DataUnavailable(SamenlevenError):
    """A data set could not be found locally, downloaded, or (where allowed) generated."""


class ChecksumMismatch(SamenlevenError):
    """A file's sha256 differs from the one declared in the catalog."""


class DataError(SamenlevenError):
    """Bad input: names the file and, where known, the row and column.

    ``row`` is the 1-based line number in the file (header = line 1) when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message  # without the location prefix (for re-raising with a file)
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ParameterError(SamenlevenError):
    """An unknown or ill-typed notebook/run parameter (the CLI exits with status 2)."""
