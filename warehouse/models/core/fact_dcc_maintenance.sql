-- Grain: one row per planned maintenance of the DCC service (maintenance_id): the window it
-- actually took (the planned one until it is done), and by how many minutes it overran.
with final as (
    select maintenance_id, planned_start, planned_end,
           coalesce(started_at, planned_start) as window_start,
           coalesce(ended_at, planned_end) as window_end,
           started_at is not null and ended_at is not null as done,
           greatest(date_diff('minute', planned_end, coalesce(ended_at, planned_end)), 0)
               as overrun_minutes,
           subject
    from staging.stg_dcc_maintenance
)
select * from final
