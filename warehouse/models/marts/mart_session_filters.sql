-- Grain: one row per RCP session (session_id) and combination of the boards' dossier filters
-- (organ, establishment, department of residence; '*' stands for any value) that the session
-- matches: a session matches when it discussed at least one dossier with those values. Every
-- session has its ('*', '*', '*') row, dossiers or not.
with dossiers as (
    select session_id,
           case when grouping(organ) = 1 then '*' else organ end as organ,
           case when grouping(finess) = 1 then '*' else finess end as finess,
           case when grouping(residence_department) = 1 then '*' else residence_department end
               as residence_department
    from core.fact_fiche
    where session_id is not null
    group by session_id, cube(organ, finess, residence_department)
    having grouping(organ, finess, residence_department) < 7
),
final as (
    select session_id, '*' as organ, '*' as finess, '*' as residence_department
    from core.fact_session
    union all
    select * from dossiers
)
select * from final
