"""What the demo and the synthetic dataset share: deterministic SHAs and durations."""

import hashlib
import random
from datetime import timedelta


def sha_of(*parts: object) -> str:
    """A stable 40-hex SHA for the same parts."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()  # noqa: S324


def hours_lognormal(rng: random.Random, median_hours: float, sigma: float = 1.0) -> timedelta:
    """A log-normal duration: most are short, a long tail is very long."""
    return timedelta(hours=rng.lognormvariate(0, sigma) * median_hours)
