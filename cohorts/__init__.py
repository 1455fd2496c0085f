"""Research cohorts: a definition (criteria in order), its attrition table, and a pseudonymised,
reproducible extract with its data dictionary and manifest (docs/cohorts.md).

`service` is the entry point, on behalf of the current principal; the other modules are its parts:
`definition` (read, validate, save), `query` (SQL with bound values), `attrition` (counts and
secrecy), `source` (snapshot and quality status), `tables`, `pseudonym`, `dictionary`, `writer`
and `extract` (files and manifest, replay).
"""
