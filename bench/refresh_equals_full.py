"""Change one report's lake rows in a copy of a warehouse, refresh the build incrementally, and
compare every model with a full build of the same lake (EXCEPT ALL both ways)."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.config import DATABASE_NAME  # noqa: E402
from flows.sqlutil import quote_literal  # noqa: E402
from flows.warehouse import database  # noqa: E402
from flows.warehouse.build import build_models  # noqa: E402
from flows.warehouse.grouped import stash_groups  # noqa: E402
from flows.warehouse.models import MODEL_SCHEMAS, discover_models  # noqa: E402

# As the bench's one-changed run: two rows of the report's first table swap places; and one
# figure moves and one row goes, so anchors and groups change too.
CHANGE = (
    "UPDATE lake.observations SET source_row = CASE source_row WHEN 2 THEN 3 ELSE 2 END "
    "WHERE report_id = $report AND source_row IN (2, 3)",
    "UPDATE lake.observations SET value = value * 3 + 1 WHERE report_id = $report AND source_row = 4",
    "DELETE FROM lake.observations WHERE report_id = $report AND source_row = 5",
)


def relations(con) -> list[str]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN "
        "(SELECT unnest($schemas)) ORDER BY ALL",
        {"schemas": list(MODEL_SCHEMAS)},
    ).fetchall()
    return [f'"{schema}"."{table}"' for schema, table in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--sql", type=Path, default=ROOT / "sql")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    refreshed, fresh = args.work / "refreshed.duckdb", args.work / "fresh.duckdb"
    shutil.copyfile(args.warehouse / DATABASE_NAME, refreshed)
    with closing(database.connect(refreshed, keep_order=False)) as con:
        build_models(con, args.sql)  # this branch's models, before the change
        stash_groups(con, discover_models(args.sql), [args.report])
        for statement in CHANGE:
            con.execute(statement, {"report": args.report})
        flagged = database.reports_with_changed_fields(con, args.sql)
        started = time.process_time()
        built = build_models(con, args.sql, sorted({args.report, *flagged}))
        print(f"incremental build: {time.process_time() - started:.2f} s CPU")
        for model in built.models:
            if model.how != "full":
                print(f"  {model.name}: {model.how}, {model.cpu_seconds:.2f} s CPU")
    shutil.copyfile(refreshed, fresh)
    with closing(database.connect(fresh, keep_order=False)) as con:
        for schema in reversed(MODEL_SCHEMAS):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        build_models(con, args.sql)
        con.execute(f"ATTACH {quote_literal(str(refreshed))} AS refreshed (READ_ONLY)")
        differ = []
        for name in relations(con):
            for a, b in ((name, f"refreshed.{name}"), (f"refreshed.{name}", name)):
                [(extra,)] = con.execute(
                    f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})"
                ).fetchall()
                if extra:
                    differ.append(f"{a}: {extra} rows not in the other")
        print("\n".join(differ) or f"{len(relations(con))} tables: same rows")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
