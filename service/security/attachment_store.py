"""Attachment files: accepted by their content (never their name), stored under the data directory.

Files live in `<attachments dir>/<folder>/<file id>`, paths made of ids only (a dossier's folder is
its nomination id, a plan report's `plan-reports/<report id>`), outside anything the web server
serves; they are read back only through the API, which checks access. Each use accepts its own
types among PDF, DOCX, XLSX, JPEG and PNG, recognised by their first bytes (a DOCX or an XLSX is a
ZIP archive holding word/document.xml or xl/workbook.xml); the SHA-256 of the stored bytes is recorded.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from models.rules.text import nfc

CHUNK = 64 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {"application/pdf": ".pdf", DOCX: ".docx", XLSX: ".xlsx", "image/jpeg": ".jpg", "image/png": ".png"}
# What users call each type, in the order refusals list them.
TYPE_NAMES = {"application/pdf": "PDF", DOCX: "DOCX", XLSX: "XLSX", "image/jpeg": "JPEG", "image/png": "PNG"}
# A dossier's files; a plan report may also carry its figures as a spreadsheet.
DOSSIER_TYPES = frozenset({"application/pdf", DOCX, "image/jpeg", "image/png"})
REPORT_TYPES = DOSSIER_TYPES | {XLSX}
# A DOCX holds a few dozen parts; an archive with thousands is not a document.
MAX_ZIP_ENTRIES = 2_000
MAX_NAME = 150


class RejectedFile(ValueError):
    """The file is not accepted; the message is Vietnamese, for the user."""

    def __init__(self, message: str, code: str, status: int = 415) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    content_type: str
    size_bytes: int
    sha256: str


def detect_type(path: Path) -> str | None:
    """The content type of a file from its bytes: PDF, DOCX, XLSX, JPEG or PNG; None for anything else."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:  # reads the central directory only, never inflates
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def accepted_names(accepted: frozenset[str]) -> str:
    """The accepted types as a refusal names them: «PDF, DOCX, JPEG hoặc PNG»."""
    names = [name for kind, name in TYPE_NAMES.items() if kind in accepted]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} hoặc {names[-1]}"


_UNSAFE = re.compile(r"[^\w\s.()\-–]+", re.UNICODE)


def sanitise_filename(name: str | None, content_type: str) -> str:
    """A display name that is safe anywhere: no directories, control characters or odd punctuation,
    Vietnamese letters kept (NFC), the extension the content calls for."""
    raw = nfc(name or "")
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    raw = "".join(c for c in raw if unicodedata.category(c)[0] != "C")
    stem = raw.rsplit(".", 1)[0] if "." in raw else raw
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"[\s_]+", " ", stem).strip(" .-_") or "tep-dinh-kem"
    ext = EXTENSIONS[content_type]
    return stem[: MAX_NAME - len(ext)].rstrip(" .") + ext


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key outside the attachment directory: {storage_key!r}")
        return path

    def save(
        self,
        source: BinaryIO,
        folder: str,
        file_id: uuid.UUID,
        max_bytes: int,
        accepted: frozenset[str] = DOSSIER_TYPES,
    ) -> StoredFile:
        """Copy the upload to `<folder>/<file id>`, counting and hashing; refuse it if too large or of a
        type not `accepted`. `folder` is made of ids ("<nomination id>", "plan-reports/<report id>")."""
        storage_key = f"{folder}/{file_id}"
        final = self._path(storage_key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        partial = final.with_name(final.name + ".part")
        digest = hashlib.sha256()
        size = 0
        try:
            with partial.open("xb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise RejectedFile(
                            f"Tệp vượt quá dung lượng cho phép ({max_bytes // 1_048_576} MB).", "file_too_large", 413
                        )
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise RejectedFile("Tệp rỗng.", "empty_file", 422)
            content_type = detect_type(partial)
            if content_type is None or content_type not in accepted:
                raise RejectedFile(
                    f"Chỉ nhận tệp {accepted_names(accepted)} (kiểm tra theo nội dung tệp, không theo tên tệp).",
                    "unsupported_file_type",
                )
            os.replace(partial, final)
            os.chmod(final, 0o640)
        finally:
            partial.unlink(missing_ok=True)
        return StoredFile(
            storage_key=storage_key, content_type=content_type, size_bytes=size, sha256=digest.hexdigest()
        )

    def path(self, storage_key: str) -> Path:
        return self._path(storage_key)

    def remove(self, storage_key: str) -> None:
        self._path(storage_key).unlink(missing_ok=True)
