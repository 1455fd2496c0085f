-- key: day, c3_id
-- reads core.fact_session: session_date; c3_id
-- A day and 3C a changed session was in, or now is in, or of a session whose dossier filters
-- changed (mart_session_filters is read whole: its rows carry no day).
select session_date, c3_id from changes.fact_session
union all
select s.session_date, s.c3_id
from changes.mart_session_filters m
join core.fact_session s using (session_id)
