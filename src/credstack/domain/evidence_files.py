"""Files a learner submits as evidence: what they really are, and how they may be served.

A file's kind is found from its bytes (magic numbers; for the Office formats, the parts
inside the ZIP), never from the name or the ``Content-Type`` the browser sent. The name's
extension must then fit the kind found: a web page renamed ``report.pdf`` is refused, not
stored. Markup (HTML, SVG, XML) is never a kind a rubric can allow, because a browser may run
what it holds; and whatever is stored is served as a download, never inline (decision 0027).
No I/O: the bytes are read from memory.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
import zipfile

from credstack.domain.errors import InvalidInputError

__all__ = ["FILE_KINDS", "FileKind", "check_file", "detect_kind", "kind_named", "safe_filename"]


@dataclasses.dataclass(frozen=True, slots=True)
class FileKind:
    name: str
    media_type: str
    extensions: tuple[str, ...]


_OOXML = "application/vnd.openxmlformats-officedocument"
FILE_KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "application/pdf", ("pdf",)),
        FileKind("png", "image/png", ("png",)),
        FileKind("jpeg", "image/jpeg", ("jpg", "jpeg")),
        FileKind("gif", "image/gif", ("gif",)),
        FileKind("webp", "image/webp", ("webp",)),
        FileKind("txt", "text/plain", ("txt", "md", "csv")),
        FileKind("zip", "application/zip", ("zip",)),
        FileKind("docx", f"{_OOXML}.wordprocessingml.document", ("docx",)),
        FileKind("xlsx", f"{_OOXML}.spreadsheetml.sheet", ("xlsx",)),
        FileKind("pptx", f"{_OOXML}.presentationml.presentation", ("pptx",)),
        FileKind("odt", "application/vnd.oasis.opendocument.text", ("odt",)),
    )
}
#: what is refused whatever a rubric says: a browser could run it
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<head|<body|<iframe|<!--)", re.I)
_OFFICE_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def kind_named(value: str) -> FileKind | None:
    """The kind a rubric's ``file_types`` entry names: a kind's name, one of its extensions
    (with or without the dot) or its MIME type."""
    wanted = value.strip().lower().removeprefix(".")
    for kind in FILE_KINDS.values():
        if wanted == kind.name or wanted == kind.media_type or wanted in kind.extensions:
            return kind
    return None


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared == FILE_KINDS["odt"].media_type:
                    return "odt"
    except (zipfile.BadZipFile, ValueError, KeyError, NotImplementedError):
        return None
    if "[Content_Types].xml" in names:
        for kind, folder in _OFFICE_PARTS.items():
            if any(name.startswith(folder) for name in names):
                return kind
    return "zip"


def _text_kind(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "markup" if _MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")) else "txt"


def detect_kind(data: bytes) -> str | None:
    """The kind of ``data`` by its content: a ``FILE_KINDS`` name, ``"markup"`` for HTML,
    SVG or XML (never allowed), or ``None`` when it is none of these."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return _text_kind(data)


def safe_filename(name: str) -> str:
    """The file's name as it may be stored and sent back in ``Content-Disposition``: the last
    path part, letters, digits and ``._-`` only, at most 100 characters."""
    base = re.split(r"[\\/]", name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "evidence"
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        return cleaned[:100]
    return f"{stem[: 99 - len(extension)]}.{extension.lower()}"


def check_file(name: str, data: bytes, *, allowed: tuple[str, ...], max_bytes: int) -> FileKind:
    """The kind of a submitted file, when it may be kept: not empty, at most ``max_bytes``, of
    a kind in ``allowed``, named with one of that kind's extensions. ``InvalidInputError``
    says which rule it breaks."""
    if not data:
        raise InvalidInputError("file: the file is empty")
    if len(data) > max_bytes:
        raise InvalidInputError(
            f"file: {len(data):,} bytes is larger than the {max_bytes:,} bytes allowed"
        )
    found = detect_kind(data)
    shown = ", ".join(allowed)
    if found == "markup":
        raise InvalidInputError("file: web pages, SVG and XML files cannot be submitted")
    if found is None or found not in allowed:
        what = f"a {found} file" if found else "of a kind credstack cannot check"
        raise InvalidInputError(f"file: it is {what}; allowed: {shown}")
    kind = FILE_KINDS[found]
    extension = safe_filename(name).rpartition(".")[2].lower() if "." in name else ""
    if extension not in kind.extensions:
        raise InvalidInputError(
            f"file: it is named '.{extension or '(none)'}' but its content is {kind.name}: "
            f"name it .{kind.extensions[0]}"
        )
    return kind
