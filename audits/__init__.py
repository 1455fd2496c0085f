"""Practice audits of RCP fiches (evaluation of professional practice): a grid as data
(config/audits/*.toml, `grid`), a reproducible stratified draw with its manifest (`draw`), the
answer sheet pre-filled from the warehouse (`sheet`), its re-import under contract rules
(`answers`), results with design-weighted intervals (`stats`, `results`) compared with the
warehouse's own figures. `service` is the entry point, on behalf of the current principal
(docs/audits.md).
"""
