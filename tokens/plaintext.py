"""The token format: `shl_` + 36 random base62 characters + a 6-character CRC32 checksum.

The checksum lets us refuse a mistyped or truncated token without a database query, and the
fixed prefix lets secret scanners recognise a leaked Shiplog token (GitHub's design).
"""

import hashlib
import re
import secrets
import zlib

PREFIX = "shl_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# 36 base62 characters carry 214 random bits; the 8 shown as the display prefix leave 166.
RANDOM_LENGTH = 36
CHECKSUM_LENGTH = 6
DISPLAY_LENGTH = len(PREFIX) + 8
TOKEN_PATTERN = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}$")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode()), CHECKSUM_LENGTH)


def plaintext_generate() -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}{random_part}{_checksum(random_part)}"


def plaintext_is_well_formed(plaintext: str) -> bool:
    """True when the prefix, length, alphabet and checksum are right. Never queries."""
    if not TOKEN_PATTERN.match(plaintext):
        return False
    random_part = plaintext[len(PREFIX) : len(PREFIX) + RANDOM_LENGTH]
    return secrets.compare_digest(plaintext[-CHECKSUM_LENGTH:], _checksum(random_part))


def plaintext_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def plaintext_display_prefix(plaintext: str) -> str:
    return plaintext[:DISPLAY_LENGTH]
