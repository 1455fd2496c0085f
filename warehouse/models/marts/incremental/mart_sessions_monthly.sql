-- key: month
-- reads core.fact_session: month
-- A month a changed session was in, or now is in.
select month from changes.fact_session
