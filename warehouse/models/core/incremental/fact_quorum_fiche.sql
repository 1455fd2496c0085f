-- key: fiche_id
-- reads core.fact_fiche: fiche_id
-- reads staging.stg_fiche: fiche_id
-- A fiche that changed, or whose session's verdicts did.
select fiche_id from changes.fact_fiche
union all
select fiche_id from changes.stg_fiche
union all
select fiche_id from core.fact_fiche
where session_id in (select session_id from changes.fact_quorum_verdict)
