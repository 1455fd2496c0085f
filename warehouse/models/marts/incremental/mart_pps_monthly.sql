-- key: month
-- reads core.fact_pps: month
-- A month (of delivery) a changed PPS was in, or now is in.
select month from changes.fact_pps
