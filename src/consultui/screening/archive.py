"""The saved consultation records, listed: date, patient reference, plans, decision.

Reads the records folder (Markdown + HTML pairs written by screening/records.py) and
takes what it lists from each Markdown file's header lines ("- Saved: ...",
"- Patient reference: ..."), its "## Plans considered" list and its "## Decision"
list. Parsing is defensive: a record of an older format, a lone .html, an unreadable
or foreign file still gets a line (with what could be read, and why not the rest);
nothing here raises for a bad file. No Textual.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

from consultui import paths
from consultui.fileread import FileReadError, read_text_limited

MAX_RECORD_BYTES = 4 * 1024 * 1024  # a record with long notes is a few hundred KB
MAX_LISTED = 2000  # newest first; an older record is still in the folder
NOT_RECORDED = "not recorded"

_SAVED = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}):?(\d{2})")
_STEM_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})_(\d{2})(\d{2})")
_ESCAPED = re.compile(r"\\(.)")
_ITEM = re.compile(r"^- ([^:]+): (.*)$")


@dataclass(frozen=True)
class RecordEntry:
    stem: str
    markdown: Path | None
    html: Path | None
    saved: str  # "YYYY-MM-DD HH:MM", or "" when neither the file nor its name says
    patient_ref: str
    plans: tuple[str, ...]
    decision: str
    version: str = ""
    problem: str = ""  # why part of it could not be read ("" when all was read)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.saved, self.stem)


def records_dir() -> Path:
    return paths.consultations_dir()


def _unescape(text: str) -> str:
    """Markdown escapes of records.py (mdescape) taken off: the value as the user typed it."""
    return _ESCAPED.sub(r"\1", text.rstrip("\\").strip())


def _saved_from(text: str) -> str:
    m = _SAVED.search(text)
    return f"{m.group(1)} {m.group(2)}:{m.group(3)}" if m else ""


def _sections(text: str) -> dict[str, list[str]]:
    """Lines under each "## " heading; the header (before any) under ""."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out.setdefault(current, [])
        elif not line.startswith("### "):
            out.setdefault(current, []).append(line)
    return out


def _items(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        m = _ITEM.match(line)
        if m:
            found.setdefault(_unescape(m.group(1)), _unescape(m.group(2)))
    return found


def parse_record(text: str, stem: str) -> tuple[str, str, tuple[str, ...], str, str]:
    """(saved, patient reference, plans, decision, version) from a record's Markdown."""
    sections = _sections(text)
    header = _items(sections.get("", []))
    saved = _saved_from(header.get("Saved", "") or header.get("Written", "")) or _stem_saved(stem)
    patient = header.get("Patient reference", "") or NOT_RECORDED
    plans: list[str] = []
    for name, lines in sections.items():
        if name.startswith("Plans considered"):
            plans = [_unescape(line[2:]) for line in lines if line.startswith("- ")]
            break
    if not plans:  # a record from before plans: its verdicts are listed per therapy
        plans = [_unescape(line[4:]).strip() for line in text.splitlines() if line.startswith("### ")
                 and "Verdicts" in _heading_before(text, line)]
    decision = _items(sections.get("Decision", [])).get("Decision", "") or NOT_RECORDED
    version = header.get("Record", "")
    return saved, patient, tuple(p for p in plans if p), decision, version


def _heading_before(text: str, line: str) -> str:
    """The "## " heading a line sits under (its first occurrence)."""
    heading = ""
    for candidate in text.splitlines():
        if candidate.startswith("## "):
            heading = candidate
        if candidate == line:
            return heading
    return heading


def _stem_saved(stem: str) -> str:
    m = _STEM_DATE.search(stem)
    return f"{m.group(1)} {m.group(2)}:{m.group(3)}" if m else ""


def _entry(stem: str, md: Path | None, html: Path | None) -> RecordEntry:
    if md is None:
        return RecordEntry(stem, None, html, _stem_saved(stem), NOT_RECORDED, (), NOT_RECORDED,
                           problem="only the HTML file is there (its Markdown was not written)")
    try:
        text = read_text_limited(md, MAX_RECORD_BYTES, "a consultation record")
    except (FileReadError, OSError, ValueError) as exc:  # ValueError: DecodeError, not UTF-8
        return RecordEntry(stem, md, html, _stem_saved(stem), NOT_RECORDED, (), NOT_RECORDED,
                           problem=f"could not be read: {exc}")
    if not text.lstrip().startswith("# Consultation record"):
        return RecordEntry(stem, md, html, _stem_saved(stem), NOT_RECORDED, (), NOT_RECORDED,
                           problem="not a consultation record written by consultui")
    saved, patient, plans, decision, version = parse_record(text, stem)
    return RecordEntry(stem, md, html, saved, patient, plans, decision, version)


def list_records(folder: Path | None = None, limit: int = MAX_LISTED) -> list[RecordEntry]:
    """Every record in the folder, newest first (by the saved time it states)."""
    folder = folder if folder is not None else records_dir()
    try:
        names = [p for p in folder.iterdir() if p.suffix in (".md", ".html") and not p.name.startswith(".")]
    except OSError:  # no records yet, or the folder cannot be read
        return []
    pairs: dict[str, dict[str, Path]] = {}
    for path in names:
        if path.is_file():
            pairs.setdefault(path.stem, {})[path.suffix] = path
    entries = [_entry(stem, files.get(".md"), files.get(".html")) for stem, files in pairs.items()]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]


def read_record(entry: RecordEntry) -> str:
    """The record's Markdown, to show read-only. Raises FileReadError/OSError."""
    if entry.markdown is None:
        raise FileReadError(entry.stem, "only the HTML file is there")
    return read_text_limited(entry.markdown, MAX_RECORD_BYTES, "a consultation record")


def saved_datetime(entry: RecordEntry) -> _dt.datetime | None:
    try:
        return _dt.datetime.strptime(entry.saved, "%Y-%m-%d %H:%M")
    except ValueError:
        return None
