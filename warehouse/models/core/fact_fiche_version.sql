-- Grain: one row per version of a fiche RCP (fiche_id, version): the version history.
with final as (
    select fiche_id, version, status, saved_at, validated_at, validator_id, order_number, deleted
    from staging.stg_fiche_version
)
select * from final
