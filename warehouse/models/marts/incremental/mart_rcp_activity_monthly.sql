-- key: month
-- reads core.fact_fiche: month
-- reads core.fact_session: month
-- A month a changed fiche or session was in, or now is in.
select month from changes.fact_fiche
union all
select month from changes.fact_session
