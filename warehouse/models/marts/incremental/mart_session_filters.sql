-- key: session_id
-- reads core.fact_fiche: session_id
-- reads core.fact_session: session_id
-- A session that changed, or one of whose dossiers did (or left it, or joined it).
select session_id from changes.fact_fiche
union all
select session_id from changes.fact_session
