#!/usr/bin/env python3
"""Checks a macOS binary built here, since no Mac is at hand to run it:

- the lowest macOS it asks for (LC_BUILD_VERSION's minos) is at most MINOS;
- it loads only system libraries (/usr/lib, /System/Library);
- on arm64, its ad-hoc code signature matches its bytes (Apple silicon
  refuses to start an arm64 program whose signature does not: the linker
  signs it, and stripping afterwards must re-sign it).

  python3 dist/macho_check.py BINARY MINOS     e.g. ... jobcheck 11.0
"""

import hashlib
import struct
import sys

MH_MAGIC_64 = 0xFEEDFACF
LC_LOAD_DYLIB = 0x0C
LC_CODE_SIGNATURE = 0x1D
LC_BUILD_VERSION = 0x32
CPU_ARM64 = 0x0100000C
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CS_HASHTYPE_SHA256 = 2


def version(v):
    return f"{v >> 16}.{(v >> 8) & 0xFF}"


def check(path, minos_max):
    data = open(path, "rb").read()
    magic, cputype, _, _, ncmds, _, _, _ = struct.unpack_from("<IiiIIIII", data, 0)
    if magic != MH_MAGIC_64:
        return [f"not a 64-bit Mach-O file (magic {magic:#x})"]
    problems, offset, minos, signature, dylibs = [], 32, None, None, []
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        if cmd == LC_BUILD_VERSION:
            minos = struct.unpack_from("<I", data, offset + 12)[0]
        elif cmd == LC_CODE_SIGNATURE:
            signature = struct.unpack_from("<II", data, offset + 8)
        elif cmd == LC_LOAD_DYLIB:
            name_at = struct.unpack_from("<I", data, offset + 8)[0]
            dylibs.append(data[offset + name_at : offset + size].split(b"\0")[0].decode())
        offset += size
    want = tuple(int(p) for p in minos_max.split("."))
    if minos is None:
        problems.append("no LC_BUILD_VERSION")
    elif (minos >> 16, (minos >> 8) & 0xFF) > want:
        problems.append(f"asks for macOS {version(minos)}, newer than {minos_max}")
    for d in dylibs:
        if not d.startswith(("/usr/lib/", "/System/Library/")):
            problems.append(f"loads a library that is not the system's: {d}")
    if cputype == CPU_ARM64:
        if signature is None:
            problems.append("arm64 without a code signature: macOS would not start it")
        else:
            problems += check_signature(data, *signature)
    print(f"{path}: macOS {version(minos or 0)}+, {len(dylibs)} system libraries"
          + (", code signature verified" if cputype == CPU_ARM64 and not problems else ""))
    return problems


def check_signature(data, at, size):
    blob = data[at : at + size]
    magic, _, count = struct.unpack_from(">III", blob, 0)
    if magic != CSMAGIC_EMBEDDED_SIGNATURE:
        return [f"code signature has magic {magic:#x}"]
    for i in range(count):
        _, off = struct.unpack_from(">II", blob, 12 + 8 * i)
        if struct.unpack_from(">I", blob, off)[0] != CSMAGIC_CODEDIRECTORY:
            continue
        (_, _, _, _, hash_off, _, _, n_code, limit, hash_size, hash_type, _, page_log) = (
            struct.unpack_from(">IIIIIIIIIBBBB", blob, off)
        )
        if hash_type != CS_HASHTYPE_SHA256:
            return [f"code directory hash type {hash_type}, not SHA-256"]
        page = 1 << page_log
        for slot in range(n_code):
            start = slot * page
            got = hashlib.sha256(data[start : min(start + page, limit)]).digest()
            want = blob[off + hash_off + slot * hash_size : off + hash_off + (slot + 1) * hash_size]
            if got != want:
                return [f"code signature does not match page {slot} (bytes {start}..): signed, then changed"]
        if limit != at:
            return [f"code signature covers {limit} bytes, the code is {at}"]
        return []
    return ["code signature without a code directory"]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: macho_check.py BINARY MINOS")
    found = check(sys.argv[1], sys.argv[2])
    for p in found:
        print(f"macho_check.py: {sys.argv[1]}: {p}", file=sys.stderr)
    sys.exit(1 if found else 0)
