"""Bench-only settings: the product's settings plus one bare endpoint (bench/urls_bench.py).

Used only by bench/bench_post.py's gunicorn (DJANGO_SETTINGS_MODULE=bench.settings_bench,
PYTHONPATH=<repository root>), so the product's URLconf never carries a bench endpoint.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
# The organization the bare endpoint's rows belong to (bench_post.py creates it first).
BENCH_BARE_ORGANIZATION_ID = int(os.environ.get("BENCH_BARE_ORGANIZATION_ID", "0"))
