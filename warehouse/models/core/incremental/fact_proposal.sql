-- key: fiche_id
-- reads staging.stg_proposal: fiche_id
-- reads core.fact_fiche: fiche_id
-- A fiche whose proposals changed, or that changed itself (a fiche deleted takes its proposals).
select fiche_id from changes.stg_proposal
union all
select fiche_id from changes.fact_fiche
