-- Grain: one row per day from the first to the last date of RCP activity.
with bounds as (
    select min(session_date) as first_day, max(session_date) as last_day
    from staging.stg_session
),
days as (
    select unnest(generate_series(first_day, last_day, interval 1 day))::date as day from bounds
),
final as (
    select day, year(day) as year, month(day) as month, date_trunc('month', day)::date as month_start,
           quarter(day) as quarter, isodow(day) as weekday
    from days
)
select * from final
