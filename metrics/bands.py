"""The DORA performance levels (elite, high, medium, low) of each metric's value."""

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY

# DORA performance levels from the 2024 Accelerate State of DevOps report (DORA, Google
# Cloud, October 2024; dora.dev/research/2024/dora-report/), as bounds. Read top-down: the
# first band whose bound the value meets is the band; anything else is low.
#   deployment frequency, deployments per week (higher is better), 2024 as 2023:
#     elite = on demand, multiple deploys per day (>= 7); high = between once per day and
#     once per week (>= 1); medium = between once per week and once per month (>= 12/52);
#     low = between once per month and once every six months.
#   change lead time, seconds (lower is better), 2024 as 2023: elite < 1 day, high
#     < 1 week, medium < 1 month, low between one month and six months.
#   change fail rate, a fraction (lower is better): the 2023 report's bounds are kept,
#     elite <= 5 %, high <= 10 %, medium <= 15 %, low otherwise. The 2024 clusters' values
#     (elite 5 %, high 20 %, medium 10 %, low 40 %; only 5 % and 20 % confirmed from a public
#     source here) are not ordered (medium's rate is below high's), so as bounds they cannot
#     band a rate: mixing 2024's high with 2023's medium would leave medium unreachable.
#   failed deployment recovery time, seconds (lower is better): the 2024 values could not
#     be confirmed from a public source here, so the 2023 report's are kept: elite < 1 hour,
#     high < 1 day, medium < 1 week, low otherwise.
#   deployment rework rate: DORA published no performance levels for it (introduced in the
#     2024 report as a fifth metric, without clusters), so it has no band (None).
# Sources read (public quotations of the 2024 report's clusters table): D. Whalen, "Measuring
# your team's software delivery performance" (dennis-whalen.com, the 2024 table: frequency
# and lead time) and the benchmarks.json of the rdlf/devops-metrics-interpreter space on
# Hugging Face (frequency, lead time, change fail rate elite 5 % and high 20 %); the 2023
# values are the 2023 report's (dora.dev/research/2023/dora-report/).
# Deploy Time is not a DORA metric; it is banded on the lead-time scale, since it is the
# last part of lead time.
DORA_2024_BANDS: dict[str, tuple[str, list[tuple[str, float]]]] = {
    "deployment_frequency": (">=", [("elite", 7.0), ("high", 1.0), ("medium", 12 / 52)]),
    "change_lead_time": ("<", [("elite", DAY), ("high", WEEK), ("medium", MONTH)]),
    "deploy_time": ("<", [("elite", DAY), ("high", WEEK), ("medium", MONTH)]),
    "change_failure_rate": ("<=", [("elite", 0.05), ("high", 0.10), ("medium", 0.15)]),
    "recovery_time": ("<", [("elite", HOUR), ("high", DAY), ("medium", WEEK)]),
    "deployment_rework_rate": ("<=", []),
}


def performance_band(metric: str, value: float | None) -> str | None:
    """The DORA 2024 band of `value` for `metric` (see DORA_2024_BANDS); None without data,
    or for a metric DORA gives no levels for (deployment rework rate)."""
    comparison, bounds = DORA_2024_BANDS[metric]
    if value is None or not bounds:
        return None
    meets = {
        ">=": lambda bound: value >= bound,
        "<": lambda bound: value < bound,
        "<=": lambda bound: value <= bound,
    }[comparison]
    return next((band for band, bound in bounds if meets(bound)), "low")
