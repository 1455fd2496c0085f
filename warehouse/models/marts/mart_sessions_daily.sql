-- Grain: one row per day and 3C: sessions held (the calendar heat-map).
with final as (
    select session_date as day, c3_id, count(*) as sessions
    from core.fact_session
    group by all
)
select * from final
