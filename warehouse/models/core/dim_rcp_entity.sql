-- Grain: one row per RCP entity (entity_code): 3C, place, organs, schedule.
with final as (
    select entity_code, name, c3_id, place_finess, organs, rcp_type, weekday, every_weeks, hour,
           recours
    from staging.stg_rcp_entity
)
select * from final
