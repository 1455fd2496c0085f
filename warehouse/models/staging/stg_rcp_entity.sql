-- Grain: one row per RCP entity of the network directory (entity_code).
with source as (
    select * from mapped.rcp_entity
),
final as (
    select distinct on (entity_code)
        entity_code, name, c3_id, finess as place_finess, organs, lower(rcp_type) as rcp_type,
        weekday, every_weeks, hour, coalesce(recours, false) as recours, meeting_mode,
        coordinator,
        coalesce(coordinator_public, false) as coordinator_public, secretariat_phone,
        secretariat_email, submission
    from source
    order by entity_code
)
select * from final
