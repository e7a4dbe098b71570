"""A migration file's checksum as each runner computes and records it when it applies the file."""

from __future__ import annotations

import hashlib
import zlib


def sha256_forms(data: bytes) -> frozenset[str]:
    """Every sha256 a runner may have recorded for this file, as hex: of the file as it is, and
    with its line endings turned either way.

    drizzle-orm hashes the file as read (newer releases turn CRLF into LF first), and Prisma
    accepts a checksum of any of the three forms, so that a checkout with other line endings
    is no change. Prisma's oldest records wrote each byte without zero padding: that form is
    accepted too.
    """
    forms = {data, data.replace(b"\r\n", b"\n"), data.replace(b"\n", b"\r\n")}
    digests = [hashlib.sha256(form).digest() for form in forms]
    return frozenset(digest.hex() for digest in digests) | frozenset(
        "".join(f"{byte:x}" for byte in digest) for digest in digests
    )


def flyway_checksum(data: bytes) -> int:
    """Flyway's checksum: CRC-32 of the file's lines, each fed in as UTF-8 without its line
    ending, a byte-order mark at the start left out, read as Java's signed int.

    Flyway's reader ends a line at LF, CR or CRLF, and an empty line adds nothing: the sum is
    the text's with every CR and LF taken out.
    """
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    crc = zlib.crc32(text.replace("\r", "").replace("\n", "").encode("utf-8"))
    return crc - (1 << 32) if crc >= 1 << 31 else crc
