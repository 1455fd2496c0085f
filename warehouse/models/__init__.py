"""The warehouse's models: one `.sql` (or, where SQL cannot say it, `.py`) file per table, by
layer (`staging/`, `core/`, `marts/`); `warehouse/dag.py` finds and runs them."""
