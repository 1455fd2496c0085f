-- Grain: one row per adverse-event or malfunction report of the DCC service (report_id): its
-- type, severity, 3C and the minutes it took to close (empty while open).
with final as (
    select report_id, reported_at, date_trunc('month', reported_at)::date as month,
           year(reported_at) as year, report_type, severity, c3_id, closed_at,
           closed_at is not null as is_closed,
           case when closed_at >= reported_at
                then date_diff('minute', reported_at, closed_at) end as minutes_to_close
    from staging.stg_dcc_report
)
select * from final
