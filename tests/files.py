"""Small real files for attachment tests: their bytes are what a type is judged by."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib


def png() -> bytes:
    """A 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'
EXE = (
    b"MZ\x90\x00"
    + b"\x00" * 56
    + struct.pack("<I", 64)
    + b"PE\x00\x00"
    + b"\x4c\x01"
    + b"\x00" * 200
)
CSV = "日時,送信者\n2026-06-10,taro@example.jp\n".encode()
TEXT = "ログ: 送信に失敗しました\n".encode()
# Bytes no format claims (libmagic: application/octet-stream).
UNKNOWN = random.Random(20261125).randbytes(2048)


def zip_of(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            # A fixed date: the same bytes on every run (test ids, pytest-xdist's collection).
            entry = zipfile.ZipInfo(name.replace("__", "/"), date_time=(2026, 11, 25, 0, 0, 0))
            archive.writestr(entry, text)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of(
        **{
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"/>',
            "word__document.xml": "<w:document/>",
        }
    )
