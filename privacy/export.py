"""The export's two formats, written as streams so the bytes are never held whole in memory: one
JSON document (``json_stream``: a row at a time from each section), and a zip (``zip_stream``) holding
that document, the raw mail and the attachments, written by the standard library's ``zipfile`` onto a
sink that cannot seek (data descriptors after each member), drained after every chunk."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from helpdesk.gdpr.base import Section, Subject

FORMAT = "helpdesk-gdpr-export/1"


def json_stream(subject: Subject, sections: Iterable[Section]) -> Iterator[bytes]:
    head = {"format": FORMAT, "exported_at": timezone.now(), "contact_id": subject.contact_id}
    yield _dump(head)[:-1].encode() + b', "sections": {'
    for number, section in enumerate(sections):
        yield (", " if number else "").encode() + _dump(section.name).encode() + b": ["
        for index, row in enumerate(section.export(subject)):
            yield (",\n" if index else "\n").encode() + _dump(row).encode()
        yield b"]"
    yield b"}}\n"


class _Sink(io.RawIOBase):
    """Collects what zipfile writes until the stream takes it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def zip_stream(subject: Subject, sections: Iterable[Section]) -> Iterator[bytes]:
    sections = tuple(sections)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        yield from _member(archive, sink, "export.json", json_stream(subject, sections))
        for section in sections:
            for item in section.files(subject):
                yield from _member(archive, sink, _safe_name(item.name), item.read())
    yield sink.drain()


def _member(archive: zipfile.ZipFile, sink: _Sink, name: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    with archive.open(name, "w", force_zip64=True) as handle:
        for chunk in chunks:
            handle.write(chunk)
            if data := sink.drain():
                yield data
    if data := sink.drain():
        yield data


def _safe_name(name: str) -> str:
    """A member name without a way out of the folder it is unpacked in."""
    head, _sep, tail = name.partition("/")
    cleaned = tail.replace("\\", "_").replace("/", "_").lstrip(".") or "file"
    return f"{head}/{cleaned}"


def _dump(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
