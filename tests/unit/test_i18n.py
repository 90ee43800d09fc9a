"""The message catalogs are complete and in step with the code.

Babel's nl_BE and en formats are the ones the reports promise (docs/i18n.md).
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from samenleven_analysis import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "_html": None,
    "NC_": ((1, "c"), 2),
    "pgettext": ((1, "c"), 2),
}
"""The keywords of ``make messages`` (babel.cfg + the Makefile's ``-k`` options)."""


def _catalog(language: str):
    with i18n.po_path(language).open("rb") as fh:
        return read_po(fh, locale=i18n.LOCALES[language])


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _extracted() -> set[tuple[str | None, object]]:
    """(context, id) of every message the package's code and templates use.

    Found like ``make messages`` finds them.
    """
    method_map = [
        ("samenleven_analysis/**.py", "python"),
        ("samenleven_analysis/reports/templates/**.j2", "jinja2"),
    ]
    options = {
        "samenleven_analysis/reports/templates/**.j2": {"extensions": "jinja2.ext.i18n"},
    }
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS
    ):
        found.add((context, message))
    return found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_has_a_translation_with_the_same_placeholders(language):
    problems = []
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        for text in strings:
            if _placeholders(text) != _placeholders(ids[-1]) - ({"n"} - _placeholders(text)):
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
    assert problems == []


def test_completeness_check_catches_a_missing_translation(tmp_path, monkeypatch):
    """Negative control: a catalog with an empty msgstr fails the check above."""
    po = tmp_path / "nl" / "LC_MESSAGES" / "samenleven.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Limits"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(AssertionError, match="untranslated: 'Limits'"):
        test_every_message_has_a_translation_with_the_same_placeholders("nl")


def test_catalogs_hold_exactly_the_messages_the_code_uses():
    used = _extracted()
    assert len(used) > 300
    for language in i18n.LANGUAGES:
        held = {(m.context, m.id) for m in _catalog(language) if m.id}
        missing = sorted(map(str, used - held))
        obsolete = sorted(map(str, held - used))
        assert missing == [], f"{language}: run `make messages` and translate: {missing[:5]}"
        assert obsolete == [], f"{language}: messages no code uses: {obsolete[:5]}"


def test_dutch_differs_from_english_where_a_reader_would_notice():
    """The Dutch catalog is a translation, not a copy.

    Sentences (three words or more) read differently in Dutch. Official call names are Dutch in both
    languages' ids.
    """
    copied = [
        m.id
        for m in _catalog("nl")
        if m.id
        and not isinstance(m.id, tuple)
        and m.context is None
        and len(m.id.split()) >= 3
        and m.string == m.id
    ]
    assert copied == []


def test_official_call_names_are_kept_in_dutch_and_translated_in_english():
    nl, en = i18n.translator("nl"), i18n.translator("en")
    assert nl.call_label("Werk arbeidsmarkt") == "Werk arbeidsmarkt"
    assert en.call_label("Werk arbeidsmarkt") == "Work: labour market"
    assert en.call_label("Veiligheid en leefbaarheid") == "Safety and liveability"
    # a name the catalog does not know (e.g. Demoland's) is shown as it is
    assert en.call_label("Demo werk") == "Demo werk"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ("104.099", "35,3%", "1.139.500 EUR", "1 januari 2015", "+30.691", "-1.234,5")),
        ("en", ("104,099", "35.3%", "1,139,500 EUR", "January 1, 2015", "+30,691", "-1,234.5")),
    ],
)
def test_babel_formats(language, expected):
    tr = i18n.translator(language)
    got = (
        tr.number(104099),
        tr.percent(0.353),
        tr.eur(1139500),
        tr.date("2015-01-01"),
        tr.signed(30691),
        tr.number(-1234.5, 1),
    )
    assert got == expected


def test_axis_formatter_writes_ticks_in_the_language():
    assert i18n.translator("nl").axis_formatter()(12500.0, 0) == "12.500"
    assert i18n.translator("en").axis_formatter()(12500.0, 0) == "12,500"
    assert i18n.translator("nl").axis_formatter(absolute=True)(-2000.0, 0) == "2.000"


def test_messages_fill_named_placeholders_and_plurals():
    nl = i18n.translator("nl")
    assert nl.gettext("1 January {year}", year=2015) == "1 januari 2015"
    one = nl.ngettext(
        "partnership of {n} municipality: {members}",
        "partnership of {n} municipalities: {members}",
        1,
        members="11002",
    )
    two = nl.ngettext(
        "partnership of {n} municipality: {members}",
        "partnership of {n} municipalities: {members}",
        2,
        members="11002, 11004",
    )
    assert (one, two) == (
        "samenwerkingsverband van 1 gemeente: 11002",
        "samenwerkingsverband van 2 gemeenten: 11002, 11004",
    )


def test_using_restores_the_previous_language():
    before = i18n.get_language()
    with i18n.using("nl"):
        assert i18n._("Limits") == "Beperkingen"
    assert i18n.get_language() == before


def test_unknown_language_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown language 'fr'; choose one of nl, en"):
        i18n.translator("fr")


def test_templates_escape_values_in_translated_markup():
    env = i18n.jinja_env("nl", autoescape=True)
    page = env.from_string(
        "{{ _html(\"<strong>Proxy, not the Plan's rule.</strong> The data hold no origin table, "
        "so counts are residents of <strong>{definition}</strong>. Nationality understates "
        'origin: fewer authorities pass the threshold than under the real rule.", '
        'definition="<script>x</script>") }}'
    ).render()
    assert "<strong>Benadering" in page and "&lt;script&gt;" in page and "<script>" not in page


def test_no_module_that_translates_rebinds_the_underscore():
    """``auth, _ = ...`` in a module that imports ``_`` from i18n breaks later ``_("…")`` calls.

    It turns every later ``_("…")`` of that function into a call of the discarded value.
    """
    import ast

    problems = []
    for path in sorted((ROOT / "samenleven_analysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(
            isinstance(n, ast.ImportFrom)
            and (n.module or "").endswith("i18n")
            and any(a.name == "_" for a in n.names)
            for n in ast.walk(tree)
        )
        if not imports:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                problems.append(f"{path.name}:{node.lineno}")
    assert problems == []


@pytest.mark.parametrize(
    "module",
    [
        "samenleven_analysis.reports.eligibility_report",
        "samenleven_analysis.reports.programme_consolidation_report",
        "samenleven_analysis.reports.migration_roots_map_report",
    ],
)
def test_topic_report_sections_read_in_dutch(module):
    """Every heading and introduction a topic notebook shows has its own Dutch text.

    The sentences its notebook's markdown cells used to hold in English only.
    """
    import importlib

    nl = i18n.translator("nl")
    sections = importlib.import_module(module).SECTIONS
    assert sections
    for heading, intro in sections.values():
        for message in (heading, intro):
            if message and len(message.split()) >= 2:
                assert nl.gettext(message) != message, f"{module}: no Dutch for {message!r}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ("0,054", "1,000", "< 0,001", "n.v.t.", "n.v.t.")),
        ("en", ("0.054", "1.000", "< 0.001", "n/a", "n/a")),
    ],
)
def test_p_values_have_three_decimals_and_a_floor_in_the_language(language, expected):
    tr = i18n.translator(language)
    got = tuple(tr.p_value(p) for p in (0.0541, 1.0, 0.0004, None, float("nan")))
    assert got == expected
    with i18n.using(language):
        assert i18n.p_value(0.0004) == expected[2]
