"""The peers of `make bench`: dbt-duckdb, SQLMesh and dlt on our stores and change set.

Each runner here is started by the benchmark as a child process of `.venv-bench/bin/python`
(`make bench-engines` makes that virtualenv from bench/engines-requirements.txt): they import
only the standard library, DuckDB and the peer, never the package (docs/decisions.md, 14).
"""
