-- Grain: one row per RCP entity (entity_code): 3C, place, organs, schedule, how it meets and
-- whom to contact. The coordinator's name is kept only where the directory marks it public.
with final as (
    select entity_code, name, c3_id, place_finess, organs, rcp_type, weekday, every_weeks, hour,
           recours, meeting_mode, coordinator_public,
           case when coordinator_public then coordinator end as coordinator_name,
           secretariat_phone, secretariat_email, submission
    from staging.stg_rcp_entity
)
select * from final
