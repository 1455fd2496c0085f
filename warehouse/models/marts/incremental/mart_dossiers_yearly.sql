-- key: year
-- reads core.fact_fiche: year
-- A year a changed fiche was in, or now is in.
select year from changes.fact_fiche
