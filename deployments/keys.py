"""How a deployment's SHAs are stored and deduplicated."""

import hashlib
from collections.abc import Iterable

FULL_SHA_LENGTH = 40


def shas_normalise(shas: Iterable[str]) -> list[str]:
    """Lowercase, trimmed, first occurrence kept: the SHAs as the deployment stores them."""
    return list(dict.fromkeys(sha.strip().lower() for sha in shas))


def deployment_dedupe_key(shas: Iterable[str]) -> str:
    """The same set of SHAs, in any order or case, gives the same key."""
    return hashlib.sha256("\n".join(sorted(set(shas_normalise(shas)))).encode()).hexdigest()
