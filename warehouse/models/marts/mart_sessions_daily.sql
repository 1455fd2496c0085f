-- Grain: one row per day, 3C and combination of the dossier filters (organ, establishment,
-- department of residence; '*' stands for any value): sessions held that day that discussed at
-- least one dossier matching the filters (all sessions held when every filter is '*'). Sessions
-- add up across days and 3Cs, never across filter values (the calendar, sessions per month and
-- the overview's sessions).
with final as (
    select s.session_date as day, s.c3_id, m.organ, m.finess, m.residence_department,
           count(*) as sessions
    from core.fact_session s
    join marts.mart_session_filters m using (session_id)
    group by all
)
select * from final
