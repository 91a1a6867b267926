"""A ZIP archive written as a stream of chunks: one member in memory at a time, never the
whole archive (a batch of 2,000 books is about a gigabyte)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime


class _Sink(io.RawIOBase):
    """An unseekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def zip_stream(members: Iterable[tuple[str, Callable[[], bytes]]],
               *, compress: bool = False) -> Iterator[bytes]:
    """Yield the bytes of a ZIP of ``members`` (name, loader); each loader is called only
    when its turn comes. PDFs are already compressed, so members are stored by default."""
    sink = _Sink()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=method, allowZip64=True) as zf:
        for name, load in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, load())
            yield sink.take()
    yield sink.take()
