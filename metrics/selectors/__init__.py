"""Querysets behind the metrics, scoped by the query's organization and evaluated in the
database; `metrics.calculations` turns them into numbers. One module per concern:

- `status`: why a deployment counts, or the reason it is left out;
- `deployments`: the deployments of a query's slice, and their counts per period;
- `teams`: which deployments and people belong to the selected teams;
- `pull_requests`: the counted PRs and their lead-time aggregates;
- `spans`: a duration and its percentiles in SQL, defined once;
- `data_quality`: what was received but does not count, and why;
- `drilldowns`: the rows and columns of the drilldown tables and CSV exports;
- `choices`: the environments and tags the filter form offers.
"""
