-- key: year
-- reads core.fact_pps: year(rcp_date)
-- A year (of the RCP) a changed PPS was in, or now is in.
select year(rcp_date) from changes.fact_pps
