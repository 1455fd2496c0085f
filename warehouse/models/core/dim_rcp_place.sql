-- Grain: one row per place of an RCP entity (entity_code, finess): its main place and the
-- establishments it links by video.
with main as (
    select entity_code, place_finess as finess, true as main
    from staging.stg_rcp_entity
    where place_finess is not null
),
others as (
    select p.entity_code, p.finess, false as main
    from staging.stg_rcp_place p
    join staging.stg_rcp_entity e using (entity_code)
    where p.finess is distinct from e.place_finess
),
final as (
    select * from main
    union all
    select * from others
)
select * from final
