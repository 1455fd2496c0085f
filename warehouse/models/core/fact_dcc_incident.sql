-- Grain: one row per incident of the DCC service (incident_id): its severity, whether the service
-- was unavailable, and the minutes it took to resolve (empty while open).
with final as (
    select incident_id, started_at, ended_at, severity, component, unavailable,
           date_trunc('month', started_at)::date as month, year(started_at) as year,
           ended_at is not null as is_resolved,
           case when ended_at >= started_at
                then date_diff('minute', started_at, ended_at) end as minutes_to_resolve
    from staging.stg_dcc_incident
)
select * from final
