-- Grain: one row per treatment type proposed on a dossier (fiche_id, treatment).
with final as (
    select p.fiche_id, p.treatment
    from staging.stg_proposal p
    join core.fact_fiche f using (fiche_id)
)
select * from final
