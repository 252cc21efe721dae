"""A PDF's streams measured before pdfium opens them: a decompression bomb is refused cheaply.

A few megabytes of FlateDecode can inflate to gigabytes (zeros deflate a thousandfold), and
pdfium inflates a page's content stream whole, in memory, when the page is loaded: one such
page costs gigabytes and tens of seconds before any limit can say why. Here every stream in the
raw bytes that could inflate past MAX_INFLATED_STREAM — far above any real page (a 600 dpi A4
scan in colour is about 100 MiB) — is inflated a chunk at a time, counting, never holding more
than a chunk, and abandoned past the limit. Deflate inflates at most DEFLATE_MAX_RATIO times,
so only streams longer than the limit over that ratio (about 250 KiB) are inflated at all: a
real file pays for its few large images, not for every font and page. Streams that are not
Flate (DCT images, encrypted streams) fail at their first bytes and are skipped. What this
cannot see — a bomb inside an encrypted stream, or one whose data spells `endstream` to look
short — is left to the time and memory limits of the parse stage and parse-file.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

MAX_INFLATED_STREAM = 256 * 1024**2
DEFLATE_MAX_RATIO = 1032  # 258 bytes from every 2 bits: the most deflate can expand
_INPUT_CHUNK = 64 * 1024
_OUTPUT_CHUNK = 16 * 1024**2


class StreamTooLarge(Exception):
    """A stream that inflates past MAX_INFLATED_STREAM."""


def check_streams(data: bytes, limit: int = MAX_INFLATED_STREAM) -> None:
    """Raise StreamTooLarge when any Flate stream of the file inflates past `limit` bytes."""
    if len(data) * DEFLATE_MAX_RATIO <= limit:
        return  # no stream of the file can
    view = memoryview(data)
    for start, end in stream_spans(data):
        if (end - start) * DEFLATE_MAX_RATIO <= limit:
            continue
        size = inflated_size(view[start:], limit)
        if size > limit:
            raise StreamTooLarge(
                f"the stream at byte {start} inflates to more than {limit // 2**20} MiB "
                f"from a file of {len(data) // 1024} KiB (a decompression bomb): not opened")


def stream_spans(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of the data of every `stream` keyword (not the end of `endstream`) followed
    by an end of line: up to the next `endstream`, or the end of the file. Found with
    bytes.find, a dozen times faster than a regular expression over megabytes of images."""
    at = data.find(b"stream")
    while at >= 0:
        start = at + 6
        if data.startswith(b"\r", start):
            start += 1
        if data.startswith(b"\n", start) and not (at and data[at - 1:at].isalpha()):
            end = data.find(b"endstream", start + 1)
            yield start + 1, end if end >= 0 else len(data)
        at = data.find(b"stream", at + 6)


def inflated_size(compressed: memoryview, limit: int) -> int:
    """How many bytes the zlib data at the start of `compressed` inflates to, counting up to
    just past `limit`; 0 when it is not zlib data."""
    inflater = zlib.decompressobj()
    size = 0
    for start in range(0, len(compressed), _INPUT_CHUNK):
        pending: bytes | memoryview = compressed[start:start + _INPUT_CHUNK]
        try:
            while pending and not inflater.eof:
                size += len(inflater.decompress(pending, _OUTPUT_CHUNK))
                if size > limit:
                    return size
                pending = inflater.unconsumed_tail
        except zlib.error:
            return size  # not zlib at all (0), or corrupt past what was counted
        if inflater.eof:
            break
    return size
