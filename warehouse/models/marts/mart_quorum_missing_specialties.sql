-- Grain: one row per year, 3C, RCP entity and specialty: sessions where that required specialty
-- was missing (the specialties most often missing).
with missing as (
    select s.session_date, s.c3_id, s.entity_code, unnest(q.missing_specialties) as specialty
    from core.fact_session s
    join core.fact_quorum_session q using (session_id)
    where q.status = 'not_met'
),
final as (
    select year(session_date) as year, c3_id, entity_code, specialty, count(*) as sessions
    from missing
    group by all
)
select * from final
