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
    -- stored in the order of the boards' filters: a query for one combination (most often all
    -- '*') reads only its row groups (zone maps), not every row; at 10M dossiers the mart holds
    -- 11.4M rows and the activity page's two queries on it went from about 60 to 5 ms (a run
    -- that recomputes some days by key appends their rows at the end: a few row groups)
    order by m.organ, m.finess, m.residence_department, day
)
select * from final
