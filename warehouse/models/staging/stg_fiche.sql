-- Grain: one row per fiche RCP (fiche_id): its latest version, fiches deleted in their source
-- left out. What the quality checks and the core dossier fact start from.
with latest as (
    select * from staging.stg_fiche_version
    qualify row_number() over (partition by fiche_id order by version desc) = 1
),
final as (
    select * from latest where not deleted
)
select * from final
