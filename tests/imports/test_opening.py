"""Hostile and broken files: each is refused as a whole, with a reason a member can act on.

The zip caps are lowered with monkeypatch so a bomb stays small and fast; the guards are the same code.
"""

from __future__ import annotations

import struct
import zipfile
from datetime import UTC

import pytest

from bot.imports import opening
from bot.imports.formats.apple_health import READER as APPLE
from bot.imports.records import FileRefused


def refused(call) -> str:
    with pytest.raises(FileRefused) as caught:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    return caught.value.reason


def test_a_zip_is_known_by_its_bytes_not_its_name(tmp_path):
    disguised = tmp_path / "export.csv"
    with zipfile.ZipFile(disguised, "w") as z:
        z.writestr("a/b.csv", "Date,Steps\n")
    fake = tmp_path / "export.zip"
    fake.write_text("Date,Steps\n2024-01-01,5\n")
    assert opening.is_zip(disguised) and not opening.is_zip(fake)
    assert opening.head(disguised) == (b"Date,Steps\n", ("a/b.csv",))
    assert opening.head(fake) == (b"Date,Steps\n2024-01-01,5\n", ())


def test_zip_bomb_by_ratio(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "RATIO_CHECK_AFTER", 1 << 20)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("export.csv", b"2024-01-01,0\n" * (1 << 20))   # 13 MiB of one row: about 30 KiB compressed
    assert bomb.stat().st_size < 64 << 10
    assert "zip bomb" in refused(lambda: opening.open_text(bomb, "export.csv"))
    assert "zip bomb" in refused(lambda: opening.read_json_text(bomb, "export.csv"))


def test_zip_member_past_the_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "MAX_MEMBER_BYTES", 1 << 20)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export.csv", b"1,2\n" * (1 << 19))   # 2 MiB declared
    assert "more than I read" in refused(lambda: opening.member_names(big))


def test_a_member_that_lies_about_its_size_stops_at_what_it_declared(tmp_path, monkeypatch):
    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export.csv", b"Date,Steps\n" * 10_000)
    data = bytearray(liar.read_bytes())
    at = data.rfind(b"PK\x01\x02")      # the central directory entry: its uncompressed size, made small
    data[at + 24:at + 28] = struct.pack("<I", 100)
    liar.write_bytes(bytes(data))
    assert "damaged" in refused(lambda: opening.open_text(liar, "export.csv"))


def test_too_many_members_is_refused_before_the_directory_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "MAX_MEMBERS", 50)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for k in range(51):
            z.writestr(f"f{k}.csv", "")
    monkeypatch.setattr(zipfile, "ZipFile", None)   # proves the count came from the end record
    assert "more than 50 files" in refused(lambda: opening.member_names(many))


def test_a_nested_zip_is_not_followed(tmp_path):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("export.xml", "<HealthData/>")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "export.xml")
    assert "another zip" in refused(lambda: APPLE.read(outer, UTC))


def test_a_truncated_zip(tmp_path):
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("apple_health_export/export.xml", "<HealthData>" + "<Record/>" * 5000 + "</HealthData>")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert "damaged or incomplete" in refused(lambda: opening.head(cut))
    assert "damaged or incomplete" in refused(lambda: APPLE.read(cut, UTC))


def test_a_password_protected_member(tmp_path):
    locked = tmp_path / "locked.zip"
    with zipfile.ZipFile(locked, "w") as z:
        z.writestr("export.csv", "Date,Steps\n")
    data = bytearray(locked.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):   # set the "encrypted" bit in both headers
        at = data.find(signature)
        data[at + flag_at] |= 1
    locked.write_bytes(bytes(data))
    assert "password" in refused(lambda: opening.open_text(locked, "export.csv"))


def test_a_compression_zipfile_cannot_unpack(tmp_path):
    odd = tmp_path / "deflate64.zip"
    with zipfile.ZipFile(odd, "w") as z:
        z.writestr("export.csv", "Date,Steps\n")
    data = bytearray(odd.read_bytes())
    for signature, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):   # method 9: Deflate64 (Windows)
        at = data.find(signature)
        data[at + method_at:at + method_at + 2] = struct.pack("<H", 9)
    odd.write_bytes(bytes(data))
    assert "packed in a way I can't unpack" in refused(lambda: opening.open_text(odd, "export.csv"))


def test_many_members_are_read_from_one_open_archive(tmp_path, monkeypatch):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for k in range(20):
            z.writestr(f"f{k}.csv", f"n\n{k}\n")
    opened = []
    real = zipfile.ZipFile
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: opened.append(1) or real(*a, **k))
    with opening.open_zip(many) as archive:
        assert [list(archive.text(name))[1] for name in archive.names] == [f"{k}\n" for k in range(20)]
    assert len(opened) == 1


def test_an_empty_file(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert "empty" in refused(lambda: opening.head(empty))


def test_a_megabyte_line_without_a_newline(tmp_path):
    long = tmp_path / "long.csv"
    long.write_bytes(b"Date,Steps\n" + b"x" * (1 << 20))
    assert "longer than 64 KiB" in refused(lambda: opening.open_text(long))
    xml = tmp_path / "long.xml"
    xml.write_bytes(b'<HealthData locale="en">\n<Record value="' + b"9" * (1 << 20) + b'"/></HealthData>')
    assert "Line 2 of that file is longer than 64 KiB" in refused(lambda: APPLE.read(xml, UTC))


def test_lines_of_the_limit_pass(tmp_path):
    ok = tmp_path / "ok.csv"
    ok.write_bytes((b"a" * (opening.MAX_LINE_BYTES - 1) + b"\n") * 3)
    assert [len(line) for line in opening.open_text(ok)] == [opening.MAX_LINE_BYTES] * 3
    assert list(opening.line_guarded(iter([b"a" * 100, b"\n" + b"b" * 100]))) == [b"a" * 100, b"\n" + b"b" * 100]


@pytest.mark.parametrize("raw", [
    "Date,Kommentar\n2024-01-01,Långpromenad\n".encode("latin-1"),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    b"Date,Steps\n2024-01-01,5\x00\x00\n",
], ids=["latin-1", "binary", "nul"])
def test_not_utf8_text(tmp_path, raw):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(raw)
    assert "not UTF-8 text" in refused(lambda: opening.open_text(bad))


def test_utf8_bom_dropped_and_utf16_decoded(tmp_path):
    text = "Date,Steg\n2024-01-01,5\n"
    for name, raw in (("bom8", b"\xef\xbb\xbf" + text.encode()), ("le", b"\xff\xfe" + text.encode("utf-16-le")),
                      ("be", b"\xfe\xff" + text.encode("utf-16-be"))):
        path = tmp_path / name
        path.write_bytes(raw)
        assert "".join(opening.open_text(path)) == text


def test_a_json_file_past_its_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "MAX_JSON_BYTES", 1000)
    big = tmp_path / "steps.json"
    big.write_text("[" + ",".join(['{"value": "1"}'] * 200) + "]")
    assert "larger than" in refused(lambda: opening.read_json_text(big))
    archive = tmp_path / "fitbit.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(big, "steps-2024-01-01.json")
    assert "larger than" in refused(lambda: opening.read_json_text(archive, "steps-2024-01-01.json"))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<HealthData locale="en"><Record type="HKQuantityTypeIdentifierStepCount" sourceName="&lol9;"/></HealthData>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE HealthData [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<HealthData locale="en"><Record type="HKQuantityTypeIdentifierStepCount" sourceName="&secret;"/></HealthData>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE HealthData SYSTEM "http://example.org/health.dtd">
<HealthData locale="en"/>
"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE HealthData [ <!ENTITY % remote SYSTEM "http://example.org/x.dtd"> %remote; ]>
<HealthData locale="en"/>
"""


@pytest.mark.parametrize("xml, words", [
    (BILLION_LAUGHS, "declares entities"), (EXTERNAL_ENTITY, "declares entities"),
    (EXTERNAL_DTD, "outside files"), (PARAMETER_ENTITY, "declares entities"),
    ('<?xml version="1.0"?>\n<HealthData locale="en"><Record type="x"', "damaged or cut off"),
    ('<?xml version="1.0"?>\n<gpx version="1.1"></gpx>', "not an Apple Health export"),
], ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "truncated", "other-xml"])
def test_hostile_xml(tmp_path, xml, words):
    path = tmp_path / "export.xml"
    path.write_text(xml)
    assert words in refused(lambda: APPLE.read(path, UTC))
