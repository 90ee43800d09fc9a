"""English of the catalog in a Dutch page (docs/i18n.md): what a Dutch report may not show.

Every message's English (its id, or ``en.po``'s translation of an official Dutch call name)
that reads differently in Dutch is looked for in three ways, so that short texts are caught
too without matching Dutch words by chance:

- *fragments*: a literal part (between placeholders) of three words or more, anywhere in
  the text ("not recorded in the report (see run.json)");
- *phrases*: a literal part of two words, as whole words ("balance of" in "balance of total");
- *words*: a whole one-word message as the whole text of a table cell, heading or list item
  ("grants", "fragmented").

English that is also Dutch (a Dutch translation of any message, e.g. "regime", "code") is
not looked for.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

from samenleven_analysis import i18n


def _forms(text) -> tuple[str, ...]:
    return tuple(t for t in (text if isinstance(text, tuple) else (text,)) if t)


@functools.cache
def catalog_pairs() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(English forms, Dutch forms) of every message of the catalogs."""
    from babel.messages.pofile import read_po

    def read(language: str) -> dict:
        with i18n.po_path(language).open("rb") as fh:
            return {(m.context, m.id): m.string for m in read_po(fh) if m.id}

    en, nl = read("en"), read("nl")
    pairs = []
    for key, dutch in nl.items():
        context, msgid = key
        english = _forms(en.get(key)) if context is not None else _forms(msgid)
        pairs.append((english or _forms(msgid), _forms(dutch) or _forms(msgid)))
    return tuple(pairs)


def _literals(text: str) -> list[str]:
    """The literal parts of a message (between ``{placeholders}``), without markup."""
    out = []
    for literal, *_rest in string.Formatter().parse(text):
        literal = re.sub(r"<[^>]+>|[*`]", "", literal)
        out += [" ".join(p.split()).strip(" .,;:()-—") for p in re.split(r"\n+", literal)]
    return [p for p in out if p]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{2,}", text)


@dataclass(frozen=True)
class EnglishOfTheCatalog:
    """The three kinds of English a Dutch page may not contain."""

    fragments: tuple[str, ...]
    phrases: tuple[str, ...]
    words: frozenset[str]

    def found(self, text: str, cells: list[str] = ()) -> list[str]:
        """The English of the catalog in a page's text and in its cells.

        ``text``: the page's visible text; ``cells``: the whole texts of its table cells,
        headings and list items.
        """
        text = " ".join(text.split())
        hits = [f for f in self.fragments if f in text]
        hits += [p for p in self.phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]
        hits += sorted({c for c in (" ".join(c.split()) for c in cells) if c in self.words})
        return hits


@functools.cache
def english_of_the_catalog() -> EnglishOfTheCatalog:
    """The English texts of the catalog that read differently in Dutch."""
    pairs = catalog_pairs()
    dutch_texts = [d for _en, dutch in pairs for d in dutch]
    dutch_all = " \n ".join(" ".join(d.split()) for d in dutch_texts)
    dutch_whole = {" ".join(d.split()) for d in dutch_texts}
    fragments, phrases, words = set(), set(), set()
    for english, dutch in pairs:
        for text in english:
            if text in dutch:
                continue
            literals = _literals(text)
            for literal in literals:
                if len(literal.split()) >= 3:
                    fragments.add(literal)
                elif len(literal.split()) == 2 == len(_words(literal)):
                    if not re.search(rf"(?<!\w){re.escape(literal)}(?!\w)", dutch_all):
                        phrases.add(literal)
            whole = " ".join(text.split())
            if len(literals) == 1 and literals[0] == whole and len(_words(whole)) == 1:
                if len(whole) >= 3 and whole not in dutch_whole:
                    words.add(whole)
    return EnglishOfTheCatalog(tuple(sorted(fragments)), tuple(sorted(phrases)), frozenset(words))


def html_cells(html: str) -> list[str]:
    """The whole texts of the table cells, headings, list items and captions of some HTML.

    No styles, scripts or figures; a cell that is only a file's link is left out.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "svg", "img", "head"]):
        tag.decompose()
    tags = ["td", "th", "li", "h1", "h2", "h3", "h4", "caption", "figcaption", "strong", "em"]
    cells = []
    for tag in soup.find_all(tags):
        text = tag.get_text(" ").replace("¶", " ").strip()
        link = tag.find("a")
        if link is not None and str(link.get("href", "")).startswith(text):
            continue  # a file's name as its link (``eligibility.html``): the same in nl and en
        cells.append(text)
    return cells


def markdown_cells(markdown: str) -> list[str]:
    """The whole texts of a Markdown text's table cells, headings and list items."""
    cells = []
    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith("|"):
            cells += [c.strip(" *`") for c in line.strip("|").split("|")]
        elif m := re.match(r"(?:#+|[-*]|\d+\.)\s+(.*)", line):
            cells.append(m[1].strip(" *"))
    return cells
