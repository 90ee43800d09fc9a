"""User-supplied strings in published outputs.

Escaping for Markdown, HTML and figure labels, and a sanitiser for the HTML reports.

Names of municipalities, partnerships, programmes and outcomes, and parameter values, come
from files and command lines a report's reader does not control. Wherever such a string is
put into Markdown, HTML or a matplotlib label it goes through :func:`md_escape`,
:func:`html_escape` or :func:`label`. As a second line of defence, :func:`sanitize_report_html`
cleans the output areas of every exported report (bleach allowlist), so a notebook line that
forgets to escape cannot publish a script, an event handler or a ``javascript:`` link.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

_MD_ALWAYS = set("\\`*|~$")
"""Markdown punctuation that is backslash-escaped wherever it stands (CommonMark allows a
backslash before any ASCII punctuation); ``$`` too, so that Jupyter does not start math."""

_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_WHITESPACE = re.compile(r"\s+")


def _md_escape_char(text: str, i: int) -> str:
    """Character ``i`` of ``text`` as :func:`md_escape` writes it (its neighbours decide)."""
    ch = text[i]
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if ch == "<":
        return "&lt;"
    if ch == ">":
        return "&gt;"
    if ch == "&":
        return "&amp;" if _ENTITY.match(text, i) else "&"
    if ch == "_":
        return "_" if prev.isalnum() and nxt.isalnum() else "\\_"
    if ch == "(" and prev == "]":
        return "\\("
    if ch == ":" and text[i + 1 : i + 3] == "//":
        return "\\:"  # http\://: no bare-URL autolink (mistune, marked, GFM)
    if ch == "." and text[max(0, i - 3) : i].lower() == "www" and not text[i - 4 : i - 3].isalnum():
        return "\\."  # www\.x.y: no "www." autolink
    if ch in _MD_ALWAYS:
        return "\\" + ch
    return ch


def md_escape(value: Any) -> str:
    r"""``value`` as literal text inside Markdown (a paragraph, emphasis, a table cell).

    HTML is neutralised (``<``/``>`` become entities, and ``&`` where it would start one),
    Markdown syntax is backslash-escaped: emphasis and code (``*``, ``_`` except inside a
    word, backticks), links and images (``](``), tables (``|``), math (``$``); line breaks
    become spaces (a newline could start a heading or end a table row), and a leading
    ``#``, ``-``, ``+``, ``=`` or ``1.`` is escaped so the text never becomes a heading or a
    list. A URL never becomes a link: ``://`` and a leading ``www.`` are escaped
    (``http\://``), so no autolink or linkify rule matches. Plain text (names,
    ``'non_eu14'``, ``['a', 'b']``) comes out unchanged.
    """
    text = _WHITESPACE.sub(" ", str(value)).strip()
    escaped = "".join(_md_escape_char(text, i) for i in range(len(text)))
    if escaped[:1] in ("#", "-", "+", "="):
        escaped = "\\" + escaped
    match = re.match(r"^(\d+)([.)])", escaped)
    if match:
        escaped = f"{match[1]}\\{match[2]}{escaped[match.end() :]}"
    return escaped


def html_escape(value: Any) -> str:
    """``value`` as literal text in HTML (element content or a quoted attribute)."""
    return html.escape(str(value), quote=True)


def label(value: Any) -> str:
    r"""``value`` as literal text in a matplotlib label, title, legend entry or caption.

    matplotlib reads text between two unescaped ``$`` as mathtext (``$\alpha$`` draws α,
    and a malformed one raises at draw time); escaping every ``$`` keeps the text literal.
    Line breaks are kept (labels may wrap on purpose).
    """
    text = str(value)
    return re.sub(r"(?<!\\)\$", r"\\$", text)


# --------------------------------------------------------------------------- HTML sanitiser
_ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
_ALLOWED_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "title",
        "alt",
        "colspan",
        "rowspan",
        "border",
        "width",
        "height",
        "align",
        "data-counts",
        "data-mime-type",
        "lang",
    }
)
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_SAFE_HREF = re.compile(
    r"^(https?://|mailto:|#|[A-Za-z0-9_./-]+(\.html?|\.ipynb|\.png|\.svg|\.csv)(#.*)?$)"
)


def _attribute_ok(tag: str, name: str, value: str) -> bool:
    if name in _ALLOWED_ATTRIBUTES:
        return True
    if tag == "img" and name == "src":
        return bool(_IMAGE_DATA.match(value))
    if tag == "a" and name == "href":
        return bool(_SAFE_HREF.match(value.strip()))
    return False


def sanitize_fragment(fragment: str) -> str:
    """An HTML fragment with only an allowlist of tags and attributes (bleach).

    Scripts, styles, frames, forms and event handlers are escaped or dropped; links may point to
    http(s), mailto or relative report files; images only to embedded PNG/JPEG/GIF/SVG.
    """
    import secrets

    import bleach

    # bleach's tokenizer walks an embedded image character by character (most of a report's
    # export): each base64 payload stands in as a short token while bleach runs. A payload is
    # letters, digits, "+/=" and spaces only, so putting it back cannot add markup. The token
    # holds a fresh random nonce, so that no text of the fragment can pass for one.
    payloads: list[str] = []
    nonce = secrets.token_hex(8)

    def stand_in(match: re.Match) -> str:
        payloads.append(match.group(2))
        return f"{match.group(1)}payload{nonce}n{len(payloads) - 1}x"

    cleaned = bleach.clean(
        _BASE64_PAYLOAD.sub(stand_in, fragment),
        tags=_ALLOWED_TAGS,
        attributes=_attribute_ok,
        protocols={"http", "https", "mailto", "data"},  # data: is narrowed to images above
        strip=False,
        strip_comments=True,
    )
    if not payloads:
        return cleaned
    return re.sub(f"payload{nonce}n(\\d+)x", lambda m: payloads[int(m.group(1))], cleaned)


_BASE64_PAYLOAD = re.compile(
    r"(data:image/(?:png|jpeg|gif|svg\+xml);base64,)([A-Za-z0-9+/=\s]{64,})"
)


def sanitize_report_html(path: str | Path) -> Path:
    """Sanitise the output areas of an exported notebook report in place.

    Only the outputs are cleaned (:func:`sanitize_soup`): that is where data-derived
    text ends up; the page template (styles, the exporter's own scripts) is left as it is.
    """
    from bs4 import BeautifulSoup

    path = Path(path)
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    if sanitize_soup(soup):
        from samenleven_analysis.reports import outputs

        outputs.write_text(path, str(soup))
    return path


def sanitize_soup(soup) -> bool:
    """Clean every output area of a parsed report page in place; True when anything changed.

    See :func:`sanitize_fragment`.
    """
    from bs4 import BeautifulSoup

    changed = False
    for area in soup.select(".jp-OutputArea-output"):
        # pandas puts a <style scoped> before its tables: plain CSS is kept (it cannot run
        # code), anything that could fetch or inject is dropped
        styles = []
        for style in area.find_all("style"):
            css = style.get_text()
            if _PLAIN_CSS.fullmatch(css):
                styles.append(css)
            style.decompose()
        inner = area.decode_contents()
        cleaned = sanitize_fragment(inner)
        if cleaned != inner or styles:
            area.clear()
            for css in styles:
                tag = soup.new_tag("style")
                tag.string = css
                area.append(tag)
            area.append(BeautifulSoup(cleaned, "html.parser"))
            changed = True
    return changed


_PLAIN_CSS = re.compile(r"[\w\s.#:;,{}()%+>*-]*")
"""CSS made of selectors and simple declarations only: no ``url()`` needs ``/`` or quotes,
no ``@import``, no escapes, no ``<``."""


_LIVE_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "form", "base", "applet"})
_LIVE_IN_OUTPUTS = _LIVE_TAGS | {"meta", "link", "svg", "math"}
_LIVE_URL = re.compile(r"^\s*(javascript|vbscript|data:text)", re.IGNORECASE)
PAGE_SCRIPT_IDS = frozenset({"dashboard-script", "table-sort-script"})
"""The dashboard's own inline scripts (filtering; the sorting of its tables): allowed once each on a whole page;
any other script, or a second copy, is live markup."""


def unsafe_markup(html_text: str, *, outputs_only: bool = True) -> list[str]:
    """Live markup a reader's browser would act on, found in the parsed ``html_text``.

    Script-like elements, ``on…`` event-handler attributes, ``javascript:`` URLs.

    ``outputs_only`` looks only inside the output areas of a notebook report (the page
    template is not data); otherwise the whole page is checked (the dashboard), where
    ``meta``/``link`` in the head are allowed. Escaped text never counts. Used by the tests
    that feed markup through every user-supplied file.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    if outputs_only:
        scopes, live = soup.select(".jp-OutputArea-output"), _LIVE_IN_OUTPUTS
    else:
        scopes, live = [soup], _LIVE_TAGS
    found = []
    page_scripts: set[str] = set()
    for scope in scopes:
        for tag in scope.find_all(True):
            own = not outputs_only and tag.name == "script" and tag.get("id") in PAGE_SCRIPT_IDS
            if own and tag.get("id") not in page_scripts:
                page_scripts.add(tag.get("id"))
            elif tag.name in live:
                found.append(f"<{tag.name}>")
            for name, value in tag.attrs.items():
                values = value if isinstance(value, list) else [value]
                if name.lower().startswith("on"):
                    found.append(f"{tag.name} {name}=")
                elif name.lower() in ("href", "src", "action", "formaction", "xlink:href") and any(
                    _LIVE_URL.match(str(v)) for v in values
                ):
                    found.append(f"{tag.name} {name}={values[0]}")
    return found
