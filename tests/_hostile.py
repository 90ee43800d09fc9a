"""Hostile user text: markup, links, math and Markdown syntax that must come out literally."""

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "$\\alpha$",
    "Sint-Niklaas & Co | *bold* `code` #1",
    "- list\n# heading",
    "1. first",
]
