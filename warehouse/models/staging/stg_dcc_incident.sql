-- Grain: one row per incident of the DCC service (source, incident_key): start, end (empty while
-- open), severity, and whether the service was unavailable during it.
with latest as (
    select * from mapped.dcc_incident
    qualify row_number() over (partition by source, incident_key
                               order by _load_id desc, started_at desc) = 1
),
final as (
    select source, incident_key, source || ':' || incident_key as incident_id, started_at,
           ended_at, severity, component, coalesce(unavailable, false) as unavailable
    from latest
)
select * from final
