"""Build the hostile-file corpus kept in this folder (run it again to rebuild):

    python tests/hostile/build.py

Each file is crafted to break a naive reader: sizes that lie, zip bombs, XML entities,
damaged containers, odd encodings, NUL bytes, deep or huge JSON. The 10 MB cell is made by
the tests themselves (``huge_cell_csv``), so the repository stays small.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADER = ["delegation", "given_names", "family_name", "route"]


def workbook_bytes(extra: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["Freetown", "Ada", "Lovelace", "own_authority"])
    for ref, value in (extra or {}).items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, part: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                body = change(body)
            dst.writestr(info.filename, body)
    return out.getvalue()


def deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def add_part(data: bytes, name: str, body_chunks, size: int) -> bytes:
    """Add a part written in chunks (a bomb is never held in memory whole)."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
            z.open(deflated(name), "w", force_zip64=True) as f:
        for chunk in body_chunks(size):
            f.write(chunk)
    return out.getvalue()


def spaces(size: int):
    block = b" " * (1 << 20)
    for _ in range(size >> 20):
        yield block


SHEET = "xl/worksheets/sheet1.xml"


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["xfd1048576.xlsx"] = workbook_bytes({"XFD1048576": "x"})
    files["dimension-lies.xlsx"] = rewrite(
        files["xfd1048576.xlsx"], SHEET,
        lambda b: re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b'<dimension ref="A1:D2"/>', b))
    files["no-dimension-far-cell.xlsx"] = rewrite(
        workbook_bytes({"A1048000": "far away"}), SHEET,
        lambda b: re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b"", b))
    # 600 MB of blanks inside the worksheet: a few hundred KB zipped
    base = workbook_bytes()
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == SHEET:
                body = src.read(SHEET)
                head, tail = body.split(b"<sheetData>", 1)
                with dst.open(deflated(SHEET), "w", force_zip64=True) as f:
                    f.write(head + b"<sheetData>")
                    for chunk in spaces(600 << 20):
                        f.write(chunk)
                    f.write(tail)
            else:
                dst.writestr(info.filename, src.read(info.filename))
    files["zip-bomb.xlsx"] = bomb.getvalue()
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                        else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    files["xml-entities.xlsx"] = rewrite(
        add_part(workbook_bytes(), "xl/sharedStrings2.xml", lambda n: [laughs], 0),
        SHEET, lambda b: b.replace(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                                   b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
        if b"<?xml" in b else b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + b)
    files["truncated.xlsx"] = workbook_bytes()[:2500]
    files["not-a-zip.xlsx"] = b"PK\x03\x04" + b"\x00garbage" * 100
    files["missing-sheet.xlsx"] = rewrite(
        workbook_bytes(), "xl/workbook.xml",
        lambda b: b.replace(b'r:id="rId1"', b'r:id="rId99"'))
    files["bad-xml.xlsx"] = rewrite(workbook_bytes(), SHEET, lambda b: b[: len(b) // 2])
    files["old-xls.xlsx"] = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512
    csv_text = "delegation,given_names,family_name,route\r\nFreetown,Ada,Lovelace,own_authority\r\n"
    files["utf32-bom.csv"] = csv_text.encode("utf-32")
    files["double-bom.csv"] = b"\xef\xbb\xbf\xef\xbb\xbf" + csv_text.encode()
    files["utf16-odd-bytes.csv"] = csv_text.encode("utf-16")[:-1]
    files["latin1.csv"] = "delegation,given_names,family_name,route\nS\u00e3o Paulo,Jo\u00e3o,Silva,own_authority\n".encode("latin-1")
    files["nul-bytes.csv"] = csv_text.encode().replace(b"Ada", b"A\x00da")
    files["many-columns.csv"] = (",".join(HEADER + [f"c{i}" for i in range(5000)])
                                 + "\n").encode()
    files["too-long-values.csv"] = (
        "delegation,given_names,family_name,route,email\n"
        f"Freetown,Ada,{'L' * 5000},own_authority,{'a' * 390}@example.org\n").encode()
    files["line-break-name.csv"] = (
        b'delegation,given_names,family_name,route\nFreetown,"Ada\nX",Lovelace,own_authority\n'
    )
    files["unbalanced-quote.csv"] = (
        'delegation,given_names,family_name,route\nFreetown,"Ada,Lovelace,own_authority\n'
        + "x," * 10 + "\n").encode()
    files["deep.json"] = b"[" * 200_000 + b"]" * 200_000
    files["deep-parsable.json"] = b'{"format": ' + b"[" * 500 + b"]" * 500 + b"}"
    forum = {"format": "forum-desk/1", "forum": {"name": "F", "short_name": "F1",
             "timezone": "UTC", "start_date": "2022-05-16", "end_date": "2022-05-20"}}
    files["huge-quota.json"] = json.dumps({
        **forum, "organisations": [{"key": "o", "name": "O"}],
        "quotas": [{"organisation": "o", "quota": 10**30}]}).encode()
    files["quota-over-int32.json"] = json.dumps({
        **forum, "organisations": [{"key": "o", "name": "O"}],
        "quotas": [{"organisation": "o", "quota": 2**40}]}).encode()
    files["many-digits.json"] = b'{"format": ' + b"9" * 100_000 + b"}"
    files["nan.json"] = b'{"format": NaN}'
    files["float-overflow.json"] = b'{"format": 1e999}'
    files["title-line-break.json"] = json.dumps({
        **forum, "venues": [{"key": "v", "name": "V", "rooms": [{"key": "r", "name": "R"}]}],
        "sessions": [{"key": "s", "title": "Line\nbreak", "kind": "plenary", "room": "r",
                      "starts": "2022-05-17T10:00:00+00:00",
                      "ends": "2022-05-17T11:00:00+00:00"}]}).encode()
    files["not-json.json"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    files["latin1.json"] = '{"format": "é"}'.encode("latin-1")
    return files


if __name__ == "__main__":
    for name, data in build().items():
        (HERE / name).write_bytes(data)
        print(f"{name:32} {len(data):>10,} bytes")
