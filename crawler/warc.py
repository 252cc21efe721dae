"""WARC 1.1 files of a crawl: every HTTP exchange as it went over the wire, gzip per record.

The raw store keeps a document's bytes; the WARC keeps the exchange that produced them — the
request as sent, the status line and headers as received, the body before any content decoding —
in the format every web-archive tool reads (ISO 28500: pywb, ReplayWeb.page, cdxj-indexer).

Each crawl process writes one file per run and portal, `warc/<run_id>-<portal_id>-<pid>.warc.gz`,
opened exclusively and only ever appended to. A record is one gzip member written with a single
write(), so (file, offset, length) is a range a reader can fetch and decompress alone, and a
process killed mid-write leaves at most one torn member at the end: `complete_length` finds where
the readable part ends, and the CDXJ index covers exactly that part.

Payload digests are SHA-256 (`sha256:<base32>`): for a body sent without Content-Encoding it is
the same hash as the raw store's name for the bytes, so "already archived" is one lookup.
"""

from __future__ import annotations

import base64
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from cdxj_indexer.main import CDXJIndexer
from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

# Compressing records is most of what writing a WARC costs. ISA-L's deflate (the `isal`
# package) at level 1 compresses real PDFs about 15 times faster than zlib's level 6 (warcio
# uses 9, slower still) to within 2 % of the size; zlib stands in where isal is not installed.
try:
    from isal import isal_zlib as deflate

    GZIP_LEVEL = 1
except ImportError:  # pragma: no cover - depends on the environment
    deflate = zlib
    GZIP_LEVEL = 6

WARC_FOLDER = "warc"
WARC_SUFFIX = ".warc.gz"
CDXJ_SUFFIX = ".cdxj"
REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# The body written is the one Twisted handed over: chunked transfer coding already removed, so
# the header that announced it is kept under another name, or replay would de-chunk it again.
HOP_BY_HOP_RENAMED = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


@dataclass(frozen=True)
class WarcLocator:
    """Where a record is: a file of `<data_dir>/warc/`, and the byte range of its gzip member."""

    file: str
    offset: int
    length: int

    def as_row(self) -> dict[str, Any]:
        return {"warc_file": self.file, "warc_offset": self.offset, "warc_length": self.length}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> WarcLocator | None:
        if not row.get("warc_file") or row.get("warc_offset") is None or not row.get("warc_length"):
            return None
        return cls(row["warc_file"], int(row["warc_offset"]), int(row["warc_length"]))


class RecordRef:
    """A record handed to the crawl's writer thread (crawler/writer.py): where the exchange's
    bytes are, once written; None until then, or when there is no such record."""

    __slots__ = ("locator",)

    def __init__(self) -> None:
        self.locator: WarcLocator | None = None


@dataclass(frozen=True)
class Original:
    """The response record that holds a payload, as a revisit record refers to it."""

    locator: WarcLocator
    record_id: str
    target_uri: str
    date: str
    payload_digest: str


def original_of(record: ArcWarcRecord, locator: WarcLocator) -> Original:
    """A response record just written, as later revisits will refer to it."""
    headers = record.rec_headers
    return Original(locator, headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Target-URI"),
                    headers.get_header("WARC-Date"), headers.get_header("WARC-Payload-Digest"))


def payload_digest(sha256_hex: str) -> str:
    """The WARC form (`sha256:<base32>`) of a raw store name."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def warc_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / WARC_FOLDER


class _Sha256Writer(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests instead of SHA-1."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _http_headers(statusline: str, headers: list[tuple[str, str]], protocol: str) -> StatusAndHeaders:
    kept = [(HOP_BY_HOP_RENAMED.get(name.lower(), name), value) for name, value in headers]
    return StatusAndHeaders(statusline, kept, protocol=protocol)


class WarcFile:
    """One append-only WARC file of one crawl process: records go in, locators come out."""

    def __init__(self, data_dir: Path | str, run_id: str, portal_id: str, info: Mapping[str, Any]):
        folder = warc_dir(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self.builder = _Sha256Writer(None, gzip=True, warc_version="1.1")
        stem = f"{run_id}-{portal_id}-{os.getpid()}"
        for n in range(1000):  # a pid can come back; an existing file is never reopened
            name = stem + (f"-{n}" if n else "") + WARC_SUFFIX
            try:
                self._fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"no free WARC file name for {stem}")
        self.name = name
        self.path = folder / name
        self.size = 0
        warcinfo = self.builder.create_warcinfo_record(name, dict(info))
        self.warcinfo_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
        self.write(warcinfo)

    @staticmethod
    def _serialize(record: ArcWarcRecord) -> bytes:
        """The record as one gzip member, compressed by `deflate` (see GZIP_LEVEL)."""
        buffer = io.BytesIO()
        _Sha256Writer(buffer, gzip=False, warc_version="1.1").write_record(record)
        compressor = deflate.compressobj(GZIP_LEVEL, deflate.DEFLATED, 16 + deflate.MAX_WBITS)
        return compressor.compress(buffer.getbuffer()) + compressor.flush()

    def write(self, *records: ArcWarcRecord) -> list[WarcLocator]:
        """Append the records (each its own gzip member) in one write; return their locators."""
        members = [self._serialize(record) for record in records]
        data = b"".join(members)
        written = 0
        while written < len(data):
            written += os.write(self._fd, data[written:])
        locators, offset = [], self.size
        for member in members:
            locators.append(WarcLocator(self.name, offset, len(member)))
            offset += len(member)
        self.size = offset
        return locators

    def close(self) -> None:
        os.close(self._fd)

    # -- records -------------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"WARC-Warcinfo-ID": self.warcinfo_id}
        headers.update(extra or {})
        return headers

    def request(self, url: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes,
                date: str, extra: Mapping[str, str] | None = None) -> ArcWarcRecord:
        http = StatusAndHeaders(f"{method} {path} HTTP/1.1", headers, is_http_request=True)
        return self.builder.create_warc_record(
            url, "request", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict=self._headers({"WARC-Date": date, **(extra or {})}))

    def response(self, url: str, protocol: str, statusline: str, headers: list[tuple[str, str]],
                 body: bytes, date: str, ip_address: str | None = None,
                 digest: str | None = None) -> ArcWarcRecord:
        """A response record; `digest` is the body's payload digest when already known."""
        extra = {"WARC-Date": date}
        if digest:
            extra["WARC-Payload-Digest"] = digest
        if ip_address:
            extra["WARC-IP-Address"] = ip_address
        return self.builder.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=_http_headers(statusline, headers, protocol),
            warc_headers_dict=self._headers(extra))

    def revisit(self, url: str, protocol: str, statusline: str, headers: list[tuple[str, str]],
                date: str, profile: str, original: Original | None, digest: str | None) -> ArcWarcRecord:
        """A revisit: the answer's headers only; the payload is in `original`'s record."""
        extra = {"WARC-Date": date, "WARC-Profile": profile}
        if original is not None:
            extra |= {"WARC-Refers-To": original.record_id,
                      "WARC-Refers-To-Target-URI": original.target_uri,
                      "WARC-Refers-To-Date": original.date}
        digest = digest or (original.payload_digest if original else None)
        if digest:
            extra["WARC-Payload-Digest"] = digest
        return self.builder.create_warc_record(
            url, "revisit", http_headers=_http_headers(statusline, headers, protocol),
            warc_headers_dict=self._headers(extra))


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRecord:
    """A record read back: its WARC headers, its HTTP status and headers (a request's, for a
    request record), and its payload, content-decoded."""

    rec_type: str
    warc_headers: dict[str, str]
    status: int | None
    http_headers: dict[str, str]
    payload: bytes

    def original(self, locator: WarcLocator) -> Original | None:
        """This record as a revisit's target, or None if it holds no payload."""
        digest = self.warc_headers.get("WARC-Payload-Digest")
        if self.rec_type != "response" or not digest:
            return None
        return Original(locator, self.warc_headers["WARC-Record-ID"],
                        self.warc_headers["WARC-Target-URI"], self.warc_headers["WARC-Date"], digest)


def _parse_member(member: bytes, payload: bool) -> StoredRecord:
    record = next(iter(ArchiveIterator(io.BytesIO(member))))
    status = None
    http_headers: dict[str, str] = {}
    if record.http_headers is not None and record.rec_type in ("response", "revisit", "request"):
        http_headers = dict(record.http_headers.headers)
        if record.rec_type != "request":
            status = int(record.http_headers.get_statuscode())
    body = record.content_stream().read() if payload and record.rec_type != "revisit" else b""
    return StoredRecord(record.rec_type, dict(record.rec_headers.headers), status, http_headers, body)


def read_record(data_dir: Path | str, locator: WarcLocator, payload: bool = True) -> StoredRecord:
    """One record by range read; its payload as the server meant it (Content-Encoding undone)."""
    with open(warc_dir(data_dir) / locator.file, "rb") as fh:
        fh.seek(locator.offset)
        member = fh.read(locator.length)
    if len(member) != locator.length:
        raise ValueError(f"{locator.file}: no {locator.length} bytes at {locator.offset}")
    return _parse_member(member, payload)


def gzip_members(path: Path | str) -> Iterator[tuple[int, int]]:
    """(offset, length) of each whole gzip member of a file, in order. A killed writer's file
    ends in a torn member (or in garbage): iteration stops before it."""
    start = position = 0
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            while chunk:
                try:
                    decompressor.decompress(chunk)
                except zlib.error:
                    return
                if not decompressor.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(decompressor.unused_data)
                yield start, position - start
                start = position
                chunk = decompressor.unused_data
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)


def complete_length(path: Path | str) -> int:
    """How many leading bytes of a WARC file are whole records."""
    end = 0
    for offset, length in gzip_members(path):
        end = offset + length
    return end


def iter_records(data_dir: Path | str, file: str,
                 payload: bool = False) -> Iterator[tuple[WarcLocator, StoredRecord]]:
    """Every complete record of one WARC file with its locator, in file order."""
    path = warc_dir(data_dir) / file
    with open(path, "rb") as fh:
        for offset, length in gzip_members(path):
            fh.seek(offset)
            yield WarcLocator(file, offset, length), _parse_member(fh.read(length), payload)


def index_path(warc_path: Path) -> Path:
    return warc_path.with_name(warc_path.name[: -len(WARC_SUFFIX)] + CDXJ_SUFFIX)


def index_warc(warc_path: Path | str, complete: int | None = None) -> Path:
    """Write the sorted CDXJ index of a WARC file's complete records (its first `complete`
    bytes, found by `complete_length` when not known) beside it, through a temporary name, so a
    reader never sees half an index."""
    warc_path = Path(warc_path)
    target = index_path(warc_path)
    partial = target.with_name(target.name + ".partial")
    with open(warc_path, "rb") as fh, open(partial, "w", encoding="utf-8") as out:
        limited = LimitReader(fh, complete_length(warc_path) if complete is None else complete)
        CDXJIndexer(output=out, inputs=[limited], filename=warc_path.name, sort=True).process_all()
    os.replace(partial, target)
    return target


def stale_warcs(data_dir: Path | str) -> list[Path]:
    """WARC files whose index is missing or older than the file (a killed or running writer)."""
    stale = []
    for path in sorted(warc_dir(data_dir).glob("*" + WARC_SUFFIX)):
        index = index_path(path)
        if not index.is_file() or index.stat().st_mtime_ns < path.stat().st_mtime_ns:
            stale.append(path)
    return stale
