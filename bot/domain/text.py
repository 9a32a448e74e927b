"""What people type, made safe to show and to search (pure).

A reason is shown publicly and kept for auditors, so it is cleaned once, when it arrives: compatibility forms
folded (NFKC: full-width letters and digits become ASCII), every other script's digits written as ASCII digits,
every dash as `-`, invisible format characters (zero-width spaces, right-to-left overrides and isolates, soft
hyphens) and control characters removed, and line breaks and tabs folded to spaces — so a reason can neither hide
the number it carries between invisible characters nor draw a fake "Status: approved" line of its own."""

from __future__ import annotations

import unicodedata

__all__ = ["DASHES", "clean", "fold_digits"]

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_TO_SPACE = dict.fromkeys(map(ord, "\t\n\v\f\r\x85\u2028\u2029"), " ")
_TO_HYPHEN = dict.fromkeys(map(ord, DASHES), "-")


def fold_digits(text: str) -> str:
    """Decimal digits of every script as ASCII (Arabic-Indic ٤ → 4, Devanagari ४ → 4); dashes as `-`."""
    folded = text.translate(_TO_HYPHEN)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in folded)


def clean(text: str) -> str:
    """NFKC, digits and dashes folded, format and control characters removed, line breaks made spaces."""
    folded = fold_digits(unicodedata.normalize("NFKC", text).translate(_TO_SPACE))
    return "".join(ch for ch in folded if unicodedata.category(ch) not in {"Cf", "Cc"} or ch == " ")
