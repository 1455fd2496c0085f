-- key: year
-- reads core.fact_fiche: year
-- reads core.fact_inclusion: year(inclusion_date)
-- A year a changed fiche or inclusion was in, or now is in (distinct patients are counted over
-- the year, by the RCP's year for proposals and the inclusion's for inclusions).
select year from changes.fact_fiche
union all
select year(inclusion_date) from changes.fact_inclusion
