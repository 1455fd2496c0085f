-- Grain: one row per month, 3C, RCP entity, organ, establishment and department of residence:
-- sessions and dossiers, registered vs
-- discussed, on site vs video, first presentations vs re-discussions, distinct patients.
with dossiers as (
    select month, c3_id, entity_code, organ, finess, residence_department,
        count(*) as dossiers,
        count(distinct patient_key) as patients,
        count(*) filter (where case_status = 'enregistre') as registered,
        count(*) filter (where case_status = 'discute') as discussed,
        count(*) filter (where mode = 'presentiel') as on_site,
        count(*) filter (where mode = 'visio') as video,
        count(*) filter (where first_presentation) as first_presentations,
        count(*) filter (where not first_presentation) as rediscussions,
        count(*) filter (where phase = 'rechute') as relapses
    from core.fact_fiche
    group by all
),
sessions as (
    select month, c3_id, entity_code, count(*) as sessions
    from core.fact_session
    group by all
),
final as (
    select d.*, s.sessions as entity_sessions_in_month
    from dossiers d
    left join sessions s using (month, c3_id, entity_code)
)
select * from final
