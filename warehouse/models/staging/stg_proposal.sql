-- Grain: one row per treatment type proposed on a fiche (source, fiche_key, treatment).
with final as (
    select distinct source, source || ':' || fiche_key as fiche_id, treatment
    from mapped.proposal
)
select * from final
