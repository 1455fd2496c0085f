-- key: month
-- reads core.fact_session: month
-- A month a changed session was in, or now is in, or the month of a session whose quorum
-- verdict changed (core.fact_quorum_session is read whole: its rows carry no month).
select month from changes.fact_session
union all
select s.month
from changes.fact_quorum_session q
join core.fact_session s using (session_id)
