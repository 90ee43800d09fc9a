"""The pytest-xdist groups of ``tests/conftest.py`` reach the scheduler.

``make test`` shares its session fixtures between tests by those groups; nothing else fails when
they do not (each worker then quietly builds every shared run itself, doubling the suite's time).
"""

from __future__ import annotations

import pytest


def test_xdist_groups_reach_the_scheduler(request):
    config = request.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        pytest.skip("runs under pytest-xdist --dist loadgroup (make test)")
    group = request.node.nodeid.split("::")[0]
    assert request.node.nodeid.endswith(f"@{group}"), request.node.nodeid
