-- Grain: one row per month, 3C and RCP entity: sessions held and their attendance.
with final as (
    select month, c3_id, entity_code, count(*) as sessions,
           avg(physicians) as mean_physicians, count(*) filter (where attendees = 0)
               as sessions_without_attendance
    from core.fact_session
    group by all
)
select * from final
