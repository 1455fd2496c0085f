-- Grain: one row per other place of an RCP entity (entity_code, finess): the establishments it
-- links by video beside its main place.
with source as (
    select * from mapped.rcp_place
),
final as (
    select distinct entity_code, trim(finess) as finess
    from source
    where trim(finess) <> ''
)
select * from final
