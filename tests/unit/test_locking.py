"""Folder locks: exclusive and shared."""

from __future__ import annotations

import pytest

from samenleven_analysis.locking import FolderBusy, folder_lock


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_folder_lock_is_exclusive_and_shared_locks_coexist(tmp_path):
    with (
        folder_lock(tmp_path, shared=True),
        folder_lock(tmp_path, shared=True),
        pytest.raises(FolderBusy),
        folder_lock(tmp_path, wait=False),
    ):
        pass
    with folder_lock(tmp_path, wait=False):
        pass
