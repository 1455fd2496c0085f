-- key: session_id
-- reads core.fact_session: session_id
-- reads core.fact_attendance: session_id
-- reads core.fact_fiche: session_id
-- A session whose date, entity, attendance or dossiers changed (a dossier brings its organ's
-- rule), or whose RCP entity's type did.
select session_id from changes.fact_fiche
union all
select session_id from changes.fact_session
union all
select session_id from changes.fact_attendance
union all
select session_id from core.fact_session
where entity_code in (select entity_code from changes.dim_rcp_entity)
