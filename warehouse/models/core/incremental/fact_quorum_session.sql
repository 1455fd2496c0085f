-- key: session_id
-- reads core.fact_session: session_id
-- reads core.fact_quorum_verdict: session_id
-- A session that changed, or whose verdicts did.
select session_id from changes.fact_session
union all
select session_id from changes.fact_quorum_verdict
