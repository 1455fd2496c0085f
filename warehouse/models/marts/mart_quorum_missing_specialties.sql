-- Grain: one row per year, 3C, RCP entity, specialty and combination of the dossier filters
-- (organ, establishment, department of residence; '*' stands for any value): sessions under
-- quorum where that required specialty was missing, among the sessions that discussed at least
-- one dossier matching the filters (the specialties most often missing).
with missing as (
    select s.session_id, s.session_date, s.c3_id, s.entity_code,
           unnest(q.missing_specialties) as specialty
    from core.fact_session s
    join core.fact_quorum_session q using (session_id)
    where q.status = 'not_met'
),
final as (
    select year(m.session_date) as year, m.c3_id, m.entity_code, m.specialty, f.organ,
           f.finess, f.residence_department, count(*) as sessions
    from missing m
    join marts.mart_session_filters f using (session_id)
    group by all
)
select * from final
