"""The Jinja2 templates of the static pages and the static files they inline.

``templates/``: the dashboard, its KPI panel; ``templates/static/``: styles and scripts,
inlined because the pages make no requests.

Templates escape every value (autoescape); ``static(name)`` inlines one of our own static
files as it is, ``_``/``_html``/``fmt`` translate and format (:func:`i18n.jinja_env`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from samenleven_analysis import i18n

TEMPLATES = Path(__file__).parent / "templates"
"""Folder of the page templates."""

STATIC = TEMPLATES / "static"
"""Folder of the static files the templates inline."""


@functools.cache
def static_text(name: str) -> str:
    """The text of static file ``name`` (read once)."""
    return (STATIC / name).read_text(encoding="utf-8")


def environment(language: str | None = None):
    """A Jinja2 environment on :data:`TEMPLATES` in ``language`` (default: the active one)."""
    import jinja2
    import markupsafe

    env = i18n.jinja_env(
        language or i18n.get_language(),
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    env.globals["static"] = lambda name: markupsafe.Markup(static_text(name))
    return env


def render(template: str, language: str | None = None, **values: Any) -> str:
    """Template ``template`` rendered with ``values`` in ``language`` (default: the active one)."""
    return environment(language).get_template(template).render(**values)
