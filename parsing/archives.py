"""Zip attachments → their members, each to be parsed as a document of its own.

Portals zip a department's budget with its units' budgets, or the PDF with its spreadsheet.
The archive keeps the container whole and stores each member as a document pointing to it
(DESIGN.md § Raw archive); here the members are only read. Limits keep a zip bomb from costing
more than a large document: member count, each member's size, their total, and nesting depth.
Member names without the UTF-8 flag are GBK on Chinese systems, not the cp437 zipfile assumes.

RAR cannot be read here: every Python RAR reader (rarfile, …) shells out to the proprietary
unrar tool for compressed members, so `.rar` stays `unsupported` with that reason.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_DEPTH = 2  # a zip inside a zip is read; one more level is not
_CHUNK = 1024**2
_UTF8_FLAG = 0x800
_SKIPPED = ("__MACOSX/", ".DS_Store", "Thumbs.db")
RAR_REASON = ("a rar archive: not parsed (no pure-Python RAR decompressor exists; "
              "extract it with unrar and parse the members)")


class ArchiveTooLarge(Exception):
    """More members or bytes than the limits allow."""


@dataclass(frozen=True)
class Member:
    path: str  # the member's path inside the archive, decoded
    data: bytes


def package_kind(data: bytes) -> str:
    """docx, xlsx or zip by the members a zip holds (an Office file is a zip of known parts);
    the first bytes alone cannot tell a zip of workbooks from a workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def member_name(info: zipfile.ZipInfo) -> str:
    """The member path as its creator wrote it (GBK where the UTF-8 flag is not set)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def zip_members(data: bytes) -> list[Member]:
    """The files inside a zip (not folders or OS litter); raises zipfile.BadZipFile on a
    broken archive and ArchiveTooLarge past the limits."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()
                 and not any(part in i.filename for part in _SKIPPED)]
        if len(infos) > MAX_MEMBERS:
            raise ArchiveTooLarge(f"{len(infos)} members (limit {MAX_MEMBERS})")
        _check_sizes(infos)
        return [Member(member_name(info), _read_member(archive, info)) for info in infos]


def check_package(data: bytes) -> None:
    """Raise ArchiveTooLarge when an Office package (docx, xlsx: a zip of XML parts) declares
    parts past the limits. Their readers inflate a part to its declared size and no further,
    so the declared sizes bound what reading it costs: a 1 MB workbook whose sheet is a
    gigabyte of blanks is refused here, not after a gigabyte of memory."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_sizes(archive.infolist())


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise ArchiveTooLarge(f"members total over {MAX_TOTAL_BYTES} bytes")
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise ArchiveTooLarge(f"{member_name(info)}: {info.file_size} bytes")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, read a chunk at a time: its declared size is not trusted (a member
    claiming 1 KiB may inflate to gigabytes), and one huge read would inflate up to the limit
    before the claimed size or the CRC stops it."""
    body = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            body += chunk
            if len(body) > MAX_MEMBER_BYTES:
                raise ArchiveTooLarge(f"{member_name(info)}: over {MAX_MEMBER_BYTES} bytes")
    return bytes(body)


def parse_members(data: bytes, parse: Callable[[bytes, str, int], dict[str, Any]],
                  depth: int) -> list[dict[str, Any]]:
    """`members` of the parse result: {member_path, sha256, result} per member, each parsed
    with `parse(bytes, name, depth + 1)`."""
    return [{"member_path": m.path, "sha256": hashlib.sha256(m.data).hexdigest(),
             "result": parse(m.data, m.path.rsplit("/", 1)[-1], depth + 1)}
            for m in zip_members(data)]
