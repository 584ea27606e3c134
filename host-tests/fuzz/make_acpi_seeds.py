#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of acpi_fuzz (host-tests/data/acpi_fuzz/): small
physical-memory images, based at 0x10000 (kBase in acpi_fuzz.cpp), holding a
valid RSDP -> RSDT/XSDT -> FADT -> DSDT chain with an \\_S5 package."""
import pathlib
import struct

BASE = 0x10000
OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "acpi_fuzz"


def fix(buf, at, start, end):
    buf[at] = 0
    buf[at] = (-sum(buf[start:end])) & 0xFF


def sdt(sig, body):
    t = bytearray(sig + struct.pack("<IBB", 36 + len(body), 1, 0) + b"NUCLEO" + b"NUCLEOTB" + bytes(12)) + body
    fix(t, 9, 0, len(t))
    return t


def rsdp(rsdt, xsdt=None):
    r = bytearray(b"RSD PTR " + b"\0" + b"NUCLEO" + bytes([2 if xsdt else 0]) + struct.pack("<I", rsdt))
    if xsdt:
        r += struct.pack("<IQ", 36, xsdt) + bytes(4)
        fix(r, 32, 0, 36)
    fix(r, 8, 0, 20)
    return r


def fadt(dsdt, length):
    body = bytearray(length - 36)
    struct.pack_into("<I", body, 40 - 36, dsdt)
    struct.pack_into("<I", body, 48 - 36, 0xB2)
    body[52 - 36] = 0xF1
    struct.pack_into("<I", body, 64 - 36, 0x604)
    struct.pack_into("<I", body, 76 - 36, 0x608)
    body[91 - 36] = 4
    if length >= 148:
        struct.pack_into("<Q", body, 140 - 36, dsdt)
    return sdt(b"FACP", bytes(body))


def image(parts):
    mem = bytearray()
    for off, blob in parts:
        mem += bytes(off - len(mem)) + blob
    return bytes(mem)


s5 = bytes([0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x0A, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00])
root_s5 = bytes([0x08, 0x5C, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00])

OUT.mkdir(parents=True, exist_ok=True)
(OUT / "acpi2_xsdt.bin").write_bytes(image([
    (0x000, rsdp(BASE + 0x80, BASE + 0x40)),
    (0x040, sdt(b"XSDT", struct.pack("<Q", BASE + 0xC0))),
    (0x080, sdt(b"RSDT", struct.pack("<I", BASE + 0xC0))),
    (0x0C0, fadt(BASE + 0x1C0, 244)),
    (0x1C0, sdt(b"DSDT", bytes([0x10, 0x05, 0x5F, 0x53, 0x42, 0x5F]) + s5)),
]))
(OUT / "acpi1_rsdt.bin").write_bytes(image([
    (0x000, rsdp(BASE + 0x20)),
    (0x020, sdt(b"RSDT", struct.pack("<II", BASE + 0x110, BASE + 0x50))),
    (0x050, fadt(BASE + 0xD0, 116)),
    (0x0D0, sdt(b"DSDT", root_s5)),
    (0x110, sdt(b"APIC", bytes(8))),
]))
