-- Grain: one row per RCP session of a source (source, session_key).
-- The entity is resolved through the source's own entity ids, or by name for spreadsheets.
with sessions as (
    select * from mapped.session
),
refs as (
    select distinct source, entity_key, entity_code from mapped.rcp_entity_ref
),
final as (
    select
        s.source,
        s.session_key,
        s.source || ':' || s.session_key as session_id,
        coalesce(r.entity_code, e.entity_code) as entity_code,
        s.session_start,
        cast(s.session_start as date) as session_date
    from sessions s
    left join refs r on r.source = s.source and r.entity_key = s.entity_key
    left join staging.stg_rcp_entity e on s.entity_key is null and e.name = s.entity_name
)
select * from final
