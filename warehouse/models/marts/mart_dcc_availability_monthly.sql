-- Grain: one row per month of the years the DCC service log covers: minutes in the month, minutes
-- the service was unavailable (the merged intervals of core.fact_dcc_downtime cut at the month's
-- bounds), split into planned (maintenance only) and unplanned, and minutes available.
with bounds as (
    select min(y) as first_year, max(y) as last_year from (
        select year(started_at) as y from core.fact_dcc_incident
        union all select year(window_start) from core.fact_dcc_maintenance
    )
),
months as (
    select unnest(generate_series(make_date(first_year, 1, 1), make_date(last_year, 12, 1),
                                  interval 1 month))::date as month
    from bounds where first_year is not null
),
periods as (
    select month, month::timestamp as month_start,
           (month + interval 1 month)::timestamp as month_end,
           date_diff('minute', month::timestamp, (month + interval 1 month)::timestamp)
               as period_minutes
    from months
),
cut as (
    select p.month, d.planned,
           date_diff('minute', greatest(d.downtime_start, p.month_start),
                     least(d.downtime_end, p.month_end)) as minutes
    from periods p
    join core.fact_dcc_downtime d
      on d.downtime_start < p.month_end and d.downtime_end > p.month_start
),
down as (
    select month,
           sum(minutes)::bigint as downtime_minutes,
           coalesce(sum(minutes) filter (where planned), 0)::bigint as planned_minutes,
           coalesce(sum(minutes) filter (where not planned), 0)::bigint as unplanned_minutes
    from cut group by month
),
final as (
    select p.month, p.period_minutes,
           coalesce(d.downtime_minutes, 0) as downtime_minutes,
           coalesce(d.planned_minutes, 0) as planned_minutes,
           coalesce(d.unplanned_minutes, 0) as unplanned_minutes,
           p.period_minutes - coalesce(d.downtime_minutes, 0) as available_minutes
    from periods p
    left join down d using (month)
)
select * from final
