-- key: year
-- reads core.fact_fiche: year
-- A year a changed fiche was in, or now is in (distinct patients are counted over the year).
select year from changes.fact_fiche
