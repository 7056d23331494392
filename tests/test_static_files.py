"""Static files: plotly's basic bundle, hashed, compressed and cached for a year with DEBUG off;
the favicon; and badge colours readable (WCAG contrast ≥ 4.5:1) in both themes."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.metrics.test_pages import build_history

ROOT = Path(__file__).resolve().parents[1]
CSS = (ROOT / "static" / "css" / "shiplog.css").read_text()
# The trace types of plotly.js-basic-dist-min (its README: bar, pie and scatter).
BASIC_BUNDLE_TRACES = {"bar", "pie", "scatter"}

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "static-files-test-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
}

# Run with DEBUG off, as production does: what {% static %} names and how whitenoise serves it.
SERVE_SCRIPT = """
import json, django
django.setup()
from django.templatetags.static import static
from django.test import Client
url = static("vendor/plotly-basic.min.js")
answers = {}
for encoding in ("br", "gzip", ""):
    response = Client().get(url, HTTP_ACCEPT_ENCODING=encoding)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    answers[encoding or "identity"] = {
        "status": response.status_code,
        "cache": response.get("Cache-Control", ""),
        "encoding": response.get("Content-Encoding", ""),
        "bytes": len(body),
    }
print(json.dumps({"url": url, "favicon": static("favicon.svg"), "answers": answers}))
"""


def _production(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def collected():
    result = _production("manage.py", "collectstatic", "--noinput")
    assert result.returncode == 0, result.stderr
    return result


def test_collectstatic_works_with_debug_off(collected):
    assert "static files copied" in collected.stdout or "unmodified" in collected.stdout
    assert (ROOT / "staticfiles" / "staticfiles.json").exists()


def test_plotly_is_served_hashed_compressed_and_cached_for_a_year(collected):
    result = _production("-c", SERVE_SCRIPT)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"/static/vendor/plotly-basic\.min\.[0-9a-f]{12}\.js", served["url"])
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.svg", served["favicon"])
    answers = served["answers"]
    raw = answers["identity"]["bytes"]
    for encoding in ("br", "gzip"):
        assert answers[encoding]["status"] == 200
        assert answers[encoding]["encoding"] == encoding
        # Measured: 1,191,749 bytes raw, 395 kB gzip, 329 kB brotli.
        assert answers[encoding]["bytes"] < raw / 2.5
    for answer in answers.values():
        assert "max-age=315360000" in answer["cache"]
        assert "immutable" in answer["cache"]


def test_the_dashboard_loads_plotlys_basic_bundle_and_uses_only_its_traces(
    member_client, organization
):
    build_history(organization, deployments=3, pull_requests=4)
    response = member_client.get(reverse("home"))
    html = response.content.decode()
    assert '<script src="/static/vendor/plotly-basic.min.js"></script>' in html
    assert "plotly.min.js" not in html
    figures = re.findall(r'<script id="chart-[\w-]+" type="application/json">(.*?)</script>', html)
    assert figures
    types = {trace.get("type", "scatter") for f in figures for trace in json.loads(f)["data"]}
    assert types <= BASIC_BUNDLE_TRACES


def test_every_page_links_the_favicon(member_client, organization):
    html = member_client.get(reverse("integrations")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2's (L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top."""
    light, dark = sorted([_luminance(foreground), _luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variables(block: str) -> dict[str, str]:
    found = re.findall(r"--([\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", block)
    return {
        name: "#" + (hex if len(hex) == 6 else "".join(c * 2 for c in hex)) for name, hex in found
    }


def _themes() -> dict[str, dict[str, str]]:
    light = _variables(CSS.split("}", 1)[0])
    dark_block = CSS.split("@media (prefers-color-scheme: dark)", 1)[1]
    return {"light": light, "dark": {**light, **_variables(dark_block.split("}", 1)[0])}}


def test_contrast_ratio_matches_wcags_examples():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("band", ["elite", "high", "medium", "low"])
def test_band_badges_have_a_contrast_of_at_least_4_5(theme, band):
    colours = _themes()[theme]
    ratio = contrast_ratio(colours[f"badge-{band}-fg"], colours[f"badge-{band}-bg"])
    assert ratio >= 4.5, f"{band} badge in the {theme} theme: {ratio:.2f}"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_grey_badges_and_muted_text_have_a_contrast_of_at_least_4_5(theme):
    colours = _themes()[theme]
    assert contrast_ratio(colours["muted"], colours["badge-none-bg"]) >= 4.5
    assert contrast_ratio(colours["muted"], colours["card"]) >= 4.5
    assert contrast_ratio(colours["ink"], colours["bg"]) >= 4.5


def test_the_badge_rules_use_the_checked_variables():
    for band in ("elite", "high", "medium", "low"):
        rule = re.search(rf"\.badge\.{band} \{{([^}}]*)\}}", CSS).group(1)
        assert f"var(--badge-{band}-bg)" in rule and f"var(--badge-{band}-fg)" in rule
