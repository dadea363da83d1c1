"""Which bundled version a user copy was made from (its base), and the earlier bundled
versions shipped inside the package so that copies made before bases were recorded can
still be merged with a newer bundled file. No Textual.

The base is kept as a pristine copy beside the user copy (therapies.toml ->
therapies.base.toml): the exact bytes of the bundled file it was made from, whose
`[meta] version` says which release that was. A copy without one is matched to a
shipped release by its own `[meta] version`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from consultui import atomic
from consultui.kb.load import KBReadError, bundled_kb_path, read_bytes

SHIPPED_DIR = Path(__file__).with_name("shipped")
_SHIPPED_NAME = re.compile(r"^therapies-(?P<version>[^/]+)\.toml\.gz$")
# The version line of the [meta] table, read without parsing the whole file (the app
# asks at start-up whether an update is due).
_META_VERSION = re.compile(r'^\[meta\][^\[]*?^version\s*=\s*"(?P<version>[^"\\\n]*)"', re.M | re.S)


def base_path(copy: str | os.PathLike[str]) -> Path:
    """Where the base of a user copy is kept: beside it, `<stem>.base.toml`."""
    path = Path(copy)
    return path.with_name(f"{path.stem or 'therapies'}.base.toml")


def record_base(copy: str | os.PathLike[str], data: bytes) -> Path:
    """Keep the bundled bytes a copy was made from (or last updated to) beside it."""
    target = base_path(copy)
    atomic.write_bytes_atomic(target, data)
    return target


def meta_version(data: bytes | str) -> str | None:
    """The `[meta] version` of a knowledge-base file's text, or None when not found."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    match = _META_VERSION.search(text)
    return match.group("version") if match else None


def shipped_versions() -> list[str]:
    """The earlier bundled releases shipped inside the package, by their [meta] version."""
    if not SHIPPED_DIR.is_dir():
        return []
    found = (_SHIPPED_NAME.match(entry.name) for entry in SHIPPED_DIR.iterdir())
    return sorted(m.group("version") for m in found if m)


def shipped_bytes(version: str) -> bytes | None:
    """The bundled file of that release, or None when it is not shipped."""
    if version not in shipped_versions():
        return None
    return gzip.decompress((SHIPPED_DIR / f"therapies-{version}.toml.gz").read_bytes())


@dataclass(frozen=True)
class Base:
    """The bundled version a copy was made from: its bytes and where they came from."""

    data: bytes
    version: str | None
    source: str  # "recorded" (beside the copy), "shipped" (in the package) or "bundled"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def describe(self) -> str:
        version = self.version or "unknown version"
        return {
            "recorded": f"bundled version {version} (recorded when your copy was made or last updated)",
            "shipped": f"bundled version {version} (recognised by your copy's [meta] version)",
            "bundled": f"bundled version {version} (the current bundled file: your copy names its version)",
        }[self.source]


def find_base(copy: str | os.PathLike[str], copy_version: str | None, bundled: bytes | None = None) -> Base | None:
    """The base of a user copy: the recorded one, else a shipped release of the copy's
    [meta] version, else the current bundled file when the copy names its version.
    None when nothing matches (a copy whose version was changed by hand). Raises
    KBReadError when a recorded base exists but cannot be read."""
    recorded = base_path(copy)
    if os.path.lexists(recorded):
        data = read_bytes(recorded)
        return Base(data, meta_version(data), "recorded")
    if copy_version is None:
        return None
    shipped = shipped_bytes(copy_version)
    if shipped is not None:
        return Base(shipped, copy_version, "shipped")
    current = bundled if bundled is not None else read_bytes(bundled_kb_path())
    if meta_version(current) == copy_version:
        return Base(current, copy_version, "bundled")
    return None


@dataclass(frozen=True)
class UpdateDue:
    """The bundled file differs from the base of a user copy: `consultui kb update` would merge."""

    copy: Path
    base_version: str | None
    bundled_version: str | None


def update_due(copy: str | os.PathLike[str], copy_version: str | None) -> UpdateDue | None:
    """Whether the bundled file has changed since the copy's base (cheap: two reads and a
    hash, no parsing). None when it has not, or when the base cannot be known or read."""
    try:
        bundled = read_bytes(bundled_kb_path())
        base = find_base(copy, copy_version, bundled)
    except (KBReadError, OSError):
        return None
    if base is None or base.sha256 == hashlib.sha256(bundled).hexdigest():
        return None
    return UpdateDue(Path(copy), base.version, meta_version(bundled))
