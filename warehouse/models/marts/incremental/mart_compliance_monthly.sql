-- key: month
-- reads core.fact_fiche: month
-- reads core.fact_pps: date_trunc('month', rcp_date)::date
-- A month a changed fiche was in, or now is in, or the month of the RCP of a changed PPS.
select month from changes.fact_fiche
union all
select date_trunc('month', rcp_date)::date from changes.fact_pps
