"""Times one deployment_record in-process and which statements it spends the time on.

    .venv/bin/python bench/bench_record.py --database-url postgresql://…/scratch

On first use it fills organization `prof` of that database (5 repositories, 2,000 merged
PRs, 20 authors in 4 teams, 1,000 deployments of history), then records 100 more and
prints milliseconds per recording and per statement (the 14 costliest).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--database-url", required=True)
os.environ["DATABASE_URL"] = parser.parse_args().database_url
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-record-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import collections  # noqa: E402
import datetime  # noqa: E402
import hashlib  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from deployments.recording import deployment_record  # noqa: E402
from organizations.models import Contributor, Organization, Team  # noqa: E402
from repositories.models import Commit, PullRequest, Repository  # noqa: E402

org = Organization.objects.filter(slug="prof").first()
now = timezone.now()


def sha(*p):
    return hashlib.sha1("/".join(map(str, p)).encode()).hexdigest()


if not org:
    org = Organization.objects.create(slug="prof", name="Prof")
    teams = [Team.objects.create(organization=org, name=f"T{t}", slug=f"t{t}") for t in range(4)]
    people = []
    for p in range(20):
        person = Contributor.objects.create(
            organization=org, display_name=f"Dev {p}", is_bot=p < 2
        )
        person.teams.set([teams[p % 4]], through_defaults={"organization": org})
        people.append(person)
    for r in range(5):
        repo = Repository.objects.create(organization=org, full_name=f"bench/repo{r}")

        def at(n):
            return now - datetime.timedelta(hours=n)

        commits = Commit.objects.bulk_create(
            [
                Commit(
                    organization=org,
                    repository=repo,
                    sha=sha(r, n, "merge"),
                    message=f"Merge #{n}",
                    contributor=people[n % 20],
                    authored_at=at(n),
                    committed_at=at(n),
                )
                for n in range(1, 401)
            ]
        )
        prs = PullRequest.objects.bulk_create(
            [
                PullRequest(
                    organization=org,
                    repository=repo,
                    number=n,
                    title=f"PR {n}",
                    state="merged",
                    merged_at=at(n),
                    merge_commit_sha=sha(r, n, "merge"),
                )
                for n in range(1, 401)
            ]
        )
        PullRequest.commits.through.objects.bulk_create(
            [
                PullRequest.commits.through(
                    organization_id=org.id, pullrequest_id=pr.id, commit_id=c.id
                )
                for pr, c in zip(prs, commits, strict=True)
            ]
        )
    rng = random.Random(0)
    for n in range(1000):
        r = rng.randrange(5)
        shas = [sha(r, rng.randint(1, 400), "merge") for _ in range(rng.randint(1, 20))]
        deployment_record(
            organization=org,
            request_id=f"h-{n}",
            raw_body="{}",
            shas=shas,
            environment_name=rng.choice(["production", "staging"]),
            deployed_at=now - datetime.timedelta(minutes=3000 - n),
        )
    with connection.cursor() as c:
        c.execute("ANALYZE")
times = collections.defaultdict(float)


def wrapper(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        times[" ".join(sql.split())[:70]] += time.perf_counter() - t


rng = random.Random(1)
t0 = time.perf_counter()
with connection.execute_wrapper(wrapper):
    for n in range(100):
        r = rng.randrange(5)
        shas = [sha(r, rng.randint(1, 400), "merge") for _ in range(rng.randint(1, 20))]
        deployment_record(
            organization=org,
            request_id=f"p-{n}-{time.time()}",
            raw_body="{}",
            shas=shas,
            environment_name="production",
        )
total = time.perf_counter() - t0
print(f"per record {total * 10:.1f} ms")
for k, v in sorted(times.items(), key=lambda kv: -kv[1])[:14]:
    print(f"{v * 10:7.2f} ms  {k}")
