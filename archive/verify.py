"""`budget-corpus verify RELEASE_DIR`: does a release still hold exactly what it was released with?

Recomputes the sha256 of every file and compares it with both records the release carries:
`SHA256SUMS` (every file) and `datapackage.json` (each data file's bytes and hash, and each
resource's over its files end to end). Missing, extra and altered files are all problems; each
file is read once, however many records name it. Never raises on a damaged release: it says
what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

_CHUNK = 1 << 20
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


@dataclass
class VerifyReport:
    release_dir: Path | str
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


class _Digests:
    """sha256 and size of release files, each computed once."""

    def __init__(self, root: Path):
        self.root = root
        self.known: dict[str, tuple[int, str]] = {}

    def get(self, rel: str, *also: Any) -> tuple[int, str] | None:
        """(bytes, sha256) of a file, or None when it is missing; feeds `also` its bytes."""
        if rel in self.known and not also:
            return self.known[rel]
        path = self.root / rel
        if not path.is_file():
            return None
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                for other in also:
                    other.update(chunk)
                size += len(chunk)
        self.known[rel] = (size, digest.hexdigest())
        return self.known[rel]


def _safe(rel: str) -> bool:
    """A relative path that stays inside the release."""
    path = PurePosixPath(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts and "\\" not in rel


def verify_release(release_dir: Path | str) -> VerifyReport:
    """Every problem with the release, in words; `.ok` when there is none.

    A release on object storage (an fsspec URL) is downloaded to a scratch folder and checked
    there: every byte is read either way.
    """
    from archive.storage import is_url, location

    if is_url(release_dir):
        loc = location(str(release_dir))
        with tempfile.TemporaryDirectory(dir=loc.cache_dir(), prefix=".verify-") as scratch:
            if not loc.download(Path(scratch)):
                report = VerifyReport(loc.url)
                report.problem(f"not a release directory: {loc.url}")
                return report
            report = verify_release(Path(scratch))
            report.release_dir = loc.url
            return report
    root = Path(release_dir)
    report = VerifyReport(root)
    if not root.is_dir():
        report.problem(f"not a release directory: {root}")
        return report
    digests = _Digests(root)
    present = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() or p.is_symlink()}
    described = check_datapackage(root, digests, report)
    listed = check_sha256sums(root, digests, report)
    for rel in sorted(p for p in present if (root / p).is_symlink()):
        report.problem(f"symbolic link (its target can change outside the release): {rel}")
    for rel in sorted(present - listed - {"SHA256SUMS"}):
        report.problem(f"unlisted file (not in SHA256SUMS): {rel}")
    for rel in sorted(p for p in present if p.startswith("data/") and p not in described):
        report.problem(f"data file not described in datapackage.json: {rel}")
    report.files_checked = len(digests.known)
    return report


def check_sha256sums(root: Path, digests: _Digests, report: VerifyReport) -> set[str]:
    """Compare every file SHA256SUMS lists with its recorded hash; return what it lists."""
    listed: set[str] = set()
    try:
        lines = (root / "SHA256SUMS").read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report.problem(f"SHA256SUMS unreadable: {exc}")
        return listed
    for number, line in enumerate(lines, 1):
        match = _SUMS_LINE.fullmatch(line)
        if not match:
            report.problem(f"SHA256SUMS line {number} is malformed: {line[:80]!r}")
            continue
        expected, rel = match.group(1).lower(), match.group(2)
        if not _safe(rel):
            report.problem(f"SHA256SUMS names a path outside the release: {rel}")
            continue
        listed.add(rel)
        found = digests.get(rel)
        if found is None:
            report.problem(f"missing file: {rel}")
        elif found[1] != expected:
            report.problem(f"hash mismatch: {rel}: sha256 is {found[1]}, SHA256SUMS says "
                           f"{expected}")
    return listed


def check_datapackage(root: Path, digests: _Digests, report: VerifyReport) -> set[str]:
    """Compare each resource's files, bytes and hashes with datapackage.json; return the
    paths it describes."""
    described: set[str] = set()
    try:
        package = json.loads((root / "datapackage.json").read_text("utf-8"))
        resources = package["resources"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.problem(f"datapackage.json unreadable: {exc!r}")
        return described
    for resource in resources:
        name = resource.get("name", "?") if isinstance(resource, dict) else "?"
        try:
            paths = resource["path"]
            paths = [paths] if isinstance(paths, str) else list(paths)
            files = {f["path"]: f for f in resource.get("files", [])}
        except (KeyError, TypeError) as exc:
            report.problem(f"datapackage.json resource {name} is malformed: {exc!r}")
            continue
        whole, total, complete = hashlib.sha256(), 0, True
        for rel in paths:
            if not isinstance(rel, str) or not _safe(rel):
                report.problem(f"datapackage.json resource {name} names a path outside the "
                               f"release: {rel}")
                complete = False
                continue
            described.add(rel)
            found = digests.get(rel, whole)
            if found is None:
                report.problem(f"missing file: {rel}")
                complete = False
                continue
            total += found[0]
            entry = files.get(rel)
            if entry is None:
                report.problem(f"datapackage.json resource {name} has no size and hash for {rel}")
                continue
            _compare(report, f"{rel} (datapackage.json)", found, entry.get("bytes"),
                     entry.get("hash"))
        if complete:
            _compare(report, f"resource {name} (datapackage.json)", (total, whole.hexdigest()),
                     resource.get("bytes"), resource.get("hash"))
    return described


def _compare(report: VerifyReport, what: str, found: tuple[int, str], size: Any,
             hash_: Any) -> None:
    if size != found[0]:
        report.problem(f"size mismatch: {what}: {found[0]} bytes, recorded {size}")
    algorithm, _, expected = str(hash_).partition(":")
    if algorithm.lower() != "sha256" or not expected:
        report.problem(f"unsupported or missing hash for {what}: {hash_!r}")
    elif expected.lower() != found[1]:
        report.problem(f"hash mismatch: {what}: sha256 is {found[1]}, recorded {expected}")
