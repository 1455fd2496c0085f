-- Grain: one row per planned maintenance of the DCC service (source, maintenance_key): its
-- planned window and, once done, the actual one.
with latest as (
    select * from mapped.dcc_maintenance
    qualify row_number() over (partition by source, maintenance_key
                               order by _load_id desc, planned_start desc) = 1
),
final as (
    select source, maintenance_key, source || ':' || maintenance_key as maintenance_id,
           planned_start, planned_end, started_at, ended_at, subject
    from latest
)
select * from final
