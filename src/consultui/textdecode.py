"""One UTF-8 decoder for every file the product reads, with the position of a bad byte."""
from __future__ import annotations


class DecodeError(ValueError):
    """Bytes that are not UTF-8: names the file, the line, the column and the byte."""

    def __init__(self, name: str, line: int, column: int, byte: int) -> None:
        self.name = name
        self.line = line
        self.column = column
        self.byte = byte
        super().__init__(f"{name}: not UTF-8 text (byte 0x{byte:02x} at line {line}, column {column})")


def decode_utf8(data: bytes, name: str) -> str:
    """Decode UTF-8; a leading byte-order mark is dropped (offsets count from after it).

    Raises DecodeError; columns count characters, as editors show them."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise DecodeError(name, line, column, data[exc.start]) from None


def decode_lenient(data: bytes) -> str:
    """Bytes as editor text: UTF-8 (a BOM dropped), undecodable bytes shown as U+FFFD."""
    return data.decode("utf-8-sig", errors="replace")
