"""Coverage-guided fuzzing (atheris / libFuzzer) of the parse-file path: mutated PDFs into
`parsing.parse.parse_bytes`, which promises never to raise — any exception escaping it is a
finding, and so is a result whose reason is "parser error: …" (an exception of the parser's own
code, caught by its last-resort handler: a bug the file merely revealed). On a finding libFuzzer
stops, prints the traceback and writes the input as crash-<sha1>.

The seed corpus is rendered at run time (nothing binary is committed): the demo portal's
procurement notice (a one-page ruled table) in three of the demo's drawing styles, and a
small uncompressed table page, so the mutator reaches content-stream operators as well as
the file's object structure. OCR is switched off (a page left without text would spend
seconds in the recogniser, which is not the code under test). Only the `parsing` package is
instrumented: coverage is the parser's, not pdfium's (C, uninstrumented) or the standard
library's.

    python tests/fuzz/fuzz_parse_file.py -runs=100000                 # the long run
    python tests/fuzz/fuzz_parse_file.py -max_total_time=20          # what CI runs
    python tests/fuzz/fuzz_parse_file.py -runs=100000 CORPUS_DIR     # keep what it finds

Any libFuzzer flag works (-max_len, -rss_limit_mb, -timeout, …). Without a corpus
directory argument the corpus is $TMPDIR/fuzz-parse-file: the seeds are rewritten there on
every run, and what libFuzzer adds accumulates (libFuzzer ends the process with exit(), so
nothing removed at exit would be).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["parsing"]):
    from parsing import ocr
    from parsing.parse import parse_bytes
    from parsing.schema import PARSE_STATUSES

# A mutation that wipes a page's text would send it to OCR, seconds a page of a neural
# recogniser that is not the parser under test: fuzz the text-layer path only.
ocr.available = lambda: False


def seeds() -> dict[str, bytes]:
    """Small PDFs to mutate, by file name."""
    from archive.demo.corpus import procurement_intentions
    from archive.demo.render import render_pdf
    from tests.hostile import budget_pdf

    notice = procurement_intentions()
    found = {f"notice-{style}.pdf": render_pdf(notice, style)
             for style in ("grid", "unruled", "rotated")}
    found["table-uncompressed.pdf"] = budget_pdf(pages=1, compress=False)
    return found


class ParserError(Exception):
    """parse_bytes caught an exception of its own code (reason "parser error: …"): its safety
    net held, but the input found a bug all the same."""


def test_one_input(data: bytes) -> None:
    """The property: parse_bytes answers any bytes with a status, never with an exception,
    and what went wrong is the file's fault, never a bug of the parser's caught in passing."""
    document = parse_bytes(data, name="fuzz.pdf")["document"]
    status, reason = document["parse_status"], document["status_reason"] or ""
    if status not in PARSE_STATUSES:
        raise AssertionError(f"unknown parse_status {status!r}")
    if reason.startswith("parser error"):
        raise ParserError(reason)


def _with_corpus(argv: list[str]) -> list[str]:
    """argv with a corpus directory (the one given, else the default), the seeds written
    into it."""
    dirs = [a for a in argv[1:] if not a.startswith("-")]
    corpus = Path(dirs[0]) if dirs else Path(tempfile.gettempdir()) / "fuzz-parse-file"
    corpus.mkdir(parents=True, exist_ok=True)
    if not dirs:
        argv = [*argv, str(corpus)]
    for name, data in seeds().items():
        (corpus / name).write_bytes(data)
    return argv


def main() -> None:
    argv = _with_corpus(sys.argv)
    if not any(a.startswith("-max_len") for a in argv):
        argv.append("-max_len=65536")  # room to grow past the largest seed
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
