"""Languages of the reports.

Message catalogs (gettext ``.po`` through Babel) and the number, percentage, currency and date
formats of each language.

The readers of the authority reports and the dashboard are Flemish local authorities, so Dutch
(``nl``, formats of ``nl_BE``) is the default; English (``en``) on request. Messages are
whole sentences with named placeholders (``_("{name} qualifies.", name=...)``), never
sentences glued together, so that a translator sees each sentence whole.

The ``.po`` files in ``samenleven_analysis/locale/<lang>/LC_MESSAGES/samenleven.po`` are the
only source: they are compiled in memory the first time a language is used (a few
milliseconds), so no binary ``.mo`` can drift from its ``.po`` and the package needs no build
step. ``make messages`` extracts the messages from the code and templates (``babel.cfg``)
and updates both catalogs.

Babel's real output for ``nl_BE`` (what the reports show)::

    number(104099)          104.099
    percent(0.353)          35,3%
    p_value(0.0004)         < 0,001
    eur(1139500)            1.139.500 EUR
    date(2015-01-01)        1 januari 2015
    signed(-1234)           -1.234

A notebook or the dashboard selects its language once (:func:`set_language`); the package
functions then translate through :func:`_` (the active language). :func:`translator` gives an
explicit :class:`Translator` for code that must not depend on the active language.

This module sits below the layers (like ``errors``), so ``analysis`` prose can use it too.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import gettext as _gettext
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Language = Literal["nl", "en"]
LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
"""The reports' language when none is given: the readers work in Dutch."""
LOCALES = {"nl": "nl_BE", "en": "en"}
"""Babel locale of each language (``en``: the formats the reports had before, 104,099)."""
DOMAIN = "samenleven"
LOCALE_DIR = Path(__file__).parent / "locale"
CALL_CONTEXT = "call"
"""``msgctxt`` of the official Dutch names from the call configuration (objectives, actions):
kept as they are in Dutch, translated in English."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (module-level tables)."""
    return message


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_language(language: Any) -> str:
    """``language`` when it is one of :data:`LANGUAGES`; else a one-line ValueError."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    return str(language)


@functools.cache
def _catalog(language: str) -> _gettext.GNUTranslations:
    """The compiled catalog of ``language`` (from its ``.po``, compiled in memory)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[language], domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def _fill(text: str, values: dict[str, Any]) -> str:
    return text.format(**values) if values else text


@dataclass(frozen=True)
class Translator:
    """Messages and formats of one language."""

    language: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    # ------------------------------------------------------------------ messages
    def gettext(self, message: str, **values: Any) -> str:
        """``message`` in this language, its ``{placeholders}`` filled from ``values``."""
        return _fill(_catalog(self.language).gettext(message), values)

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """Singular or plural form for ``n``; ``{n}`` is available as a placeholder."""
        text = _catalog(self.language).ngettext(singular, plural, n)
        return _fill(text, {"n": self.number(n), **values})

    def pgettext(self, context: str, message: str, **values: Any) -> str:
        return _fill(_catalog(self.language).pgettext(context, message), values)

    def call_label(self, name: Any) -> str:
        """An official Dutch name from the call configuration (objective, action).

        As it is in Dutch, its English translation in English (unknown names unchanged).
        """
        return self.pgettext(CALL_CONTEXT, str(name))

    # ------------------------------------------------------------------ formats
    def number(self, value: Any, digits: int = 0) -> str:
        """``104099`` → ``104.099`` (nl) / ``104,099`` (en).

        NaN/None → ``""``; text (``<5``) unchanged.
        """
        from babel.numbers import format_decimal

        if _missing(value):
            return ""
        if isinstance(value, str):
            return value
        fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=fmt, locale=self.locale, decimal_quantization=True)

    def signed(self, value: Any, digits: int = 0) -> str:
        """A difference with its sign: ``+1.234`` / ``-56``."""
        from babel.numbers import format_decimal

        if _missing(value):
            return ""
        body = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=f"+{body};-{body}", locale=self.locale)

    def percent(self, value: Any, digits: int = 1) -> str:
        """A share (``0.353``) as a percentage: ``35,3%`` (nl) / ``35.3%`` (en)."""
        from babel.numbers import format_percent

        if _missing(value):
            return ""
        fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        return format_percent(value, format=fmt, locale=self.locale)

    def eur(self, value: Any, digits: int = 0) -> str:
        """An amount in euro: ``1.139.500 EUR`` (nl) / ``1,139,500 EUR`` (en).

        The ISO code after the number, as the call documents write it.
        """
        from babel.numbers import format_currency

        if _missing(value):
            return ""
        fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "") + " ¤¤"
        return format_currency(value, "EUR", format=fmt, locale=self.locale, currency_digits=False)

    def date(self, value: Any) -> str:
        """``2015-01-01`` → ``1 januari 2015`` (nl) / ``January 1, 2015`` (en)."""
        from babel.dates import format_date

        if isinstance(value, str):
            value = _dt.date.fromisoformat(value[:10])
        return format_date(value, format="long", locale=self.locale)

    def first_january(self, year: Any) -> str:
        """``1 januari 2015`` / ``1 January 2015``: the reference date of a population count."""
        return self.gettext("1 January {year}", year="?" if _missing(year) else int(year))

    def p_value(self, value: Any) -> str:
        """A p-value: three decimals (``0,054`` / ``0.054``), ``< 0,001`` below that.

        ``n.v.t.`` / ``n/a`` when missing or not finite.
        """
        if _missing(value) or not math.isfinite(float(value)):
            return self.gettext("n/a")
        if float(value) < 0.001:
            return self.gettext("< {value}", value=self.number(0.001, 3))
        return self.number(value, 3)

    def yes_no(self, value: Any) -> str:
        return self.gettext("yes") if bool(value) else self.gettext("no")

    def axis_formatter(self, digits: int = 0, *, absolute: bool = False):
        """A matplotlib ``FuncFormatter`` writing tick values in this language's format.

        ``absolute``: without sign, for the two sides of a population pyramid.
        """
        from matplotlib.ticker import FuncFormatter

        def fmt(value: float, _pos: Any = None) -> str:
            return self.number(abs(value) if absolute else value, digits)

        return FuncFormatter(fmt)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


@functools.cache
def translator(language: str = DEFAULT_LANGUAGE) -> Translator:
    """The :class:`Translator` of ``language`` (``nl`` or ``en``)."""
    return Translator(check_language(language))


SOURCE_LANGUAGE = "en"
"""The language of the message ids, and the active language until something selects one: a
package function called outside a report writes the message ids. Reports select theirs
(notebook parameter ``language``, default ``nl``; the dashboard's ``language``, default ``nl``)."""

_ACTIVE = [SOURCE_LANGUAGE]


def set_language(language: str = DEFAULT_LANGUAGE) -> Translator:
    """Make ``language`` the active language of this process and return its :class:`Translator`.

    A notebook calls it once, from its ``language`` parameter.
    """
    tr = translator(language)
    _ACTIVE[0] = tr.language
    return tr


@contextlib.contextmanager
def using(language: str):
    """Make ``language`` active inside the ``with`` block and restore the previous one."""
    before = _ACTIVE[0]
    tr = set_language(language)
    try:
        yield tr
    finally:
        _ACTIVE[0] = before


def get_language() -> str:
    return _ACTIVE[0]


def active() -> Translator:
    """The :class:`Translator` of the active language."""
    return translator(_ACTIVE[0])


def _(message: str, **values: Any) -> str:
    """``message`` in the active language, with its ``{placeholders}`` filled."""
    return active().gettext(message, **values)


gettext = _


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    return active().ngettext(singular, plural, n, **values)


def pgettext(context: str, message: str, **values: Any) -> str:
    return active().pgettext(context, message, **values)


def call_label(name: Any) -> str:
    return active().call_label(name)


def number(value: Any, digits: int = 0) -> str:
    return active().number(value, digits)


def signed(value: Any, digits: int = 0) -> str:
    return active().signed(value, digits)


def percent(value: Any, digits: int = 1) -> str:
    return active().percent(value, digits)


def eur(value: Any, digits: int = 0) -> str:
    return active().eur(value, digits)


def date(value: Any) -> str:
    return active().date(value)


def p_value(value: Any) -> str:
    return active().p_value(value)


def yes_no(value: Any) -> str:
    return active().yes_no(value)


def axis_formatter(digits: int = 0, *, absolute: bool = False):
    return active().axis_formatter(digits, absolute=absolute)


def jinja_env(language: str, **options: Any):
    """A Jinja2 environment whose templates translate through ``language``'s catalog.

    ``{{ _("Sentence with {name}", name=x) }}`` (plain text, escaped by autoescape) and ``{{
    _html("Sentence with <strong>{name}</strong>", name=x) }}`` (the catalog's markup kept, every
    value escaped by :meth:`markupsafe.Markup.format`); ``fmt`` holds the number and date formats.
    ``pybabel extract`` finds these calls through ``babel.cfg``.
    """
    import jinja2
    import markupsafe

    tr = translator(language)
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], **options)
    env.globals.update(
        _=tr.gettext,
        gettext=tr.gettext,
        ngettext=tr.ngettext,
        _html=lambda message, **values: markupsafe.Markup(
            _catalog(tr.language).gettext(message)
        ).format(**values),
        fmt=tr,
        language=tr.language,
    )
    return env


def fill_english(path: Path | None = None) -> int:
    """Give every untranslated English message (no ``msgctxt``) its own id as translation.

    The message ids are English. Official call names (``msgctxt call``) are left for a translator.
    Returns how many were filled (``make messages`` runs it).
    """
    from babel.messages.pofile import read_po, write_po

    path = path or po_path("en")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en", domain=DOMAIN)
    filled = 0
    for message in catalog:
        if not message.id or message.context is not None:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, include_lineno=False)
    return filled


if __name__ == "__main__":  # python -m samenleven_analysis.i18n fill-english
    import sys

    if sys.argv[1:] != ["fill-english"]:
        raise SystemExit("usage: python -m samenleven_analysis.i18n fill-english")
    print(f"{fill_english()} English message(s) filled from their ids")
