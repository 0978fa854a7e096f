"""File names from Content-Disposition (RFC 6266), made safe to store.

``filename*`` (RFC 5987, UTF-8) wins over ``filename``. The result is always one
path component: no separators, no ``..``, no control characters, no leading
dot, at most MAX_BYTES of UTF-8, extension kept when it has to be shortened.
"""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from email.utils import collapse_rfc2231_value, unquote

MAX_BYTES = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def disposition_filename(header: str | None) -> str | None:
    """The file name a Content-Disposition header proposes (``filename*`` first), or None."""
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    plain: str | None = None
    try:
        for name, value in message.get_params(header="content-disposition", unquote=False) or []:
            if name.lower() != "filename":
                continue
            if isinstance(value, tuple):  # filename*=charset'lang'%-encoded (RFC 5987)
                decoded = collapse_rfc2231_value(value, errors="replace").strip('"')
                if decoded.strip():
                    return decoded
            elif plain is None:
                plain = unquote(value)
    except (ValueError, LookupError, UnicodeError):
        return None
    return plain if plain and plain.strip() else None


def sanitize(name: str | None, fallback: str) -> str:
    """A safe single path component for ``name``, else for ``fallback``."""
    for candidate in (name, fallback, "result.bin"):
        cleaned = _clean(candidate or "")
        if cleaned:
            return cleaned
    return "result.bin"  # pragma: no cover - the last candidate always cleans


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if name in ("", ".", ".."):
        return ""
    return _shorten(name)


def _shorten(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > 16:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_BYTES - len(suffix.encode("utf-8"))
    shortened = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
    return (shortened or "result") + suffix
