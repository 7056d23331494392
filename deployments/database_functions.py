"""The SQL functions of deployments/sql/: the one implementation of counting, linking,
attribution and deploy moments. Installed (CREATE OR REPLACE) after every `migrate`, so a
changed file takes effect with the next migrate, as a schema change does."""

from pathlib import Path

from django.db import connections

from deployments.locks import LINK_LOCK_CLASS
from deployments.models import ContributorRank

SQL_DIR = Path(__file__).with_name("sql")


def _constants() -> dict[str, str]:
    """The Python constants the SQL names, as `{{ContributorRank.HUMAN}}`."""
    ranks = {f"{{{{ContributorRank.{rank.name}}}}}": str(int(rank)) for rank in ContributorRank}
    return {**ranks, "{{LINK_LOCK_CLASS}}": str(LINK_LOCK_CLASS)}


def database_functions_sql(*, sql_dir: Path = SQL_DIR) -> str:
    """Every file of deployments/sql/ (or of another app's `sql_dir`: incidents installs
    its rule this way) in name order (a file only calls those before it), with the
    constants filled in."""
    text = "\n".join(path.read_text() for path in sorted(sql_dir.glob("*.sql")))
    for token, value in _constants().items():
        text = text.replace(token, value)
    return text


def database_functions_install(*, using: str = "default", sql_dir: Path = SQL_DIR) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(database_functions_sql(sql_dir=sql_dir))
