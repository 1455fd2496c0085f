-- key: year
-- reads core.fact_session: year(session_date)
-- A year a changed session was in, or now is in, or the year of a session whose quorum verdict
-- or dossier filters changed (both read whole: their rows carry no date).
select year(session_date) from changes.fact_session
union all
select year(s.session_date)
from changes.fact_quorum_session q
join core.fact_session s using (session_id)
union all
select year(s.session_date)
from changes.mart_session_filters m
join core.fact_session s using (session_id)
