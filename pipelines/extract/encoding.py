"""Text files held to their declared encoding: refused, naming the line, when not entirely in it.

UTF-8 is decoded strictly; a file declared latin-1 (the FINESS extracts) is refused when it is
UTF-8 whole, when a UTF-8 name was pasted among latin-1 ones (mixed encodings: `MontluÃ§on`), or
when it holds control bytes (Windows-1252). Never read with replaced or misread accents.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.config import Source, TableSpec
from rrc.errors import SourceError

# a UTF-8 multi-byte character: in a file declared latin-1 it is a UTF-8 name pasted in (mojibake)
UTF8_CHAR = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
C1_CONTROL = re.compile(rb"[\x80-\x9f]")


def line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def text(path: Path, encoding: str, source: Source, spec: TableSpec) -> str:
    """The file's text, refusing whatever is not entirely in the declared encoding instead of
    guessing: bytes that are not UTF-8 in a UTF-8 file; in a latin-1 file, a UTF-8 file whole,
    a UTF-8 name pasted among latin-1 ones (mixed encodings), or control bytes (Windows-1252)."""
    data = path.read_bytes()
    where = {"source": source.name, "table": spec.name}
    if encoding == "utf-8":
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{path.name} is not UTF-8: byte 0x{data[exc.start]:02x} on line "
                f"{line_of(data, exc.start)}",
                **where,
                hint='save the file as UTF-8, or declare it latin-1 (format = "csv_latin1") in '
                "the mapping",
            ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and not text.isascii():
        raise SourceError(
            f"{path.name} is UTF-8, not latin-1 as the mapping says: its accents would be misread",
            **where,
            hint="save the file as latin-1 (ISO-8859-1), as the FINESS extracts are",
        )
    if found := UTF8_CHAR.search(data):
        line = line_of(data, found.start())
        start = data.rfind(b"\n", 0, found.start()) + 1
        end = data.find(b"\n", found.start())
        shown = data[start : end if end >= 0 else len(data)].decode("latin-1")[:120]
        raise SourceError(
            f"{path.name}, line {line}: mixed encodings, the bytes "
            f"{found.group().hex(' ')} are the UTF-8 of {found.group().decode('utf-8')!r} in a "
            f"file declared latin-1 (read as latin-1 the line is {shown!r})",
            **where,
            hint="save the whole file in one encoding (latin-1, as the FINESS extracts are), "
            "then run again",
        )
    if found := C1_CONTROL.search(data):
        raise SourceError(
            f"{path.name}: byte 0x{found.group()[0]:02x} on line {line_of(data, found.start())} "
            "is a control character in latin-1: the file is not ISO-8859-1 (Windows-1252?)",
            **where,
            hint="save the file as latin-1 (ISO-8859-1), as the FINESS extracts are",
        )
    return data.decode("latin-1")
