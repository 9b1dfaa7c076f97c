"""Email normalization: one definition, used by import, report, search and actions.

The Python function is the reference; the polars path is a fast lane for printable
ASCII (where the two provably agree) and hands everything else to the reference.
"""

from __future__ import annotations

import re
import unicodedata

import idna
import polars as pl

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_EDGE = re.compile(rf"[\s{_INVISIBLE}]*")
VALID_PATTERN = r"^[^@\s]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$"
_VALID = re.compile(VALID_PATTERN)
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
_TAG = re.compile(r"\+[^@]*@")  # "+tag@" up to the first @ after it


def normalize_email(raw: str | None) -> str | None:
    """Return the login key of an address, or None when there is no address at all.

    Two raw addresses are the same login exactly when their keys are equal.
    """
    if raw is None:
        return None
    text = _strip_edges(raw)
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    if not text:
        return None
    local, sep, domain = text.rpartition("@")
    if not sep or domain.isascii():
        return text
    return f"{local}@{_domain_to_ascii(domain)}"


def _strip_edges(text: str) -> str:
    """White space and zero-width characters off both ends, in linear time (a regex for
    "spaces at the end" is quadratic on a long run of spaces inside an address)."""
    start, end = _edge(text), len(text) - _edge(text[::-1])
    return text[start:end] if start < end else ""


def _edge(text: str) -> int:
    """How many characters at the start of `text` are white space or zero-width."""
    found = _EDGE.match(text)
    return found.end() if found else 0


def _domain_to_ascii(domain: str) -> str:
    """IDN to ASCII; a domain IDNA rejects is kept as typed (it is flagged invalid)."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain
    except UnicodeError:
        return domain


def is_valid_email(normalized: str | None) -> bool:
    """Syntactic check on a normalized address; invalid ones are still grouped."""
    return normalized is not None and _VALID.match(normalized) is not None


def lookalike_key(normalized: str | None) -> str | None:
    """The mailbox a provider would deliver to: `+tags` dropped, Gmail dots ignored."""
    if normalized is None:
        return None
    untagged = _TAG.sub("@", normalized, count=1)
    for domain in GMAIL_DOMAINS:
        if untagged.endswith("@" + domain):
            local = untagged.removesuffix("@" + domain)
            return local.replace(".", "") + "@" + GMAIL_DOMAINS[0]
    return untagged


def normalize_series(raw: pl.Series) -> pl.Series:
    """Vectorized `normalize_email`: identical results, bulk speed on plain ASCII."""
    frame = pl.DataFrame({"raw": raw.cast(pl.String)})
    simple = pl.col("raw").str.contains(_PRINTABLE_ASCII)
    fast = pl.col("raw").str.strip_chars(" ").str.to_lowercase()
    others = frame.filter(~simple)["raw"].drop_nulls().unique().to_list()
    key = fast
    if others:
        slow = [normalize_email(v) for v in others]
        key = pl.col("raw").replace_strict(others, slow, default=fast, return_dtype=pl.String)
    out = frame.select(key.alias(raw.name))[raw.name]
    return out.replace("", None)


def lookalike_expr(normalized: pl.Expr) -> pl.Expr:
    """Vectorized `lookalike_key` over an already normalized column."""
    untagged = normalized.str.replace(_TAG.pattern, "@")
    local = untagged
    gmail = pl.lit(False)
    for domain in GMAIL_DOMAINS:
        local = local.str.strip_suffix("@" + domain)
        gmail = gmail | untagged.str.ends_with("@" + domain)
    return (
        pl.when(gmail)
        .then(local.str.replace_all(".", "", literal=True) + "@" + GMAIL_DOMAINS[0])
        .otherwise(untagged)
    )


def valid_expr(normalized: pl.Expr) -> pl.Expr:
    """Vectorized `is_valid_email`."""
    return normalized.is_not_null() & normalized.str.contains(VALID_PATTERN)
