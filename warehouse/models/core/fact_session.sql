-- Grain: one row per RCP session (session_id), with its entity, 3C and attendance counts.
with attendance as (
    select a.session_id, count(*) as attendees,
           count(*) filter (where p.is_physician) as physicians
    from staging.stg_attendance a
    left join core.dim_professional p using (prof_id)
    group by a.session_id
),
final as (
    select s.session_id, s.source, s.entity_code, e.c3_id, s.session_start, s.session_date,
           date_trunc('month', s.session_date)::date as month,
           coalesce(a.attendees, 0) as attendees, coalesce(a.physicians, 0) as physicians
    from staging.stg_session s
    left join core.dim_rcp_entity e using (entity_code)
    left join attendance a using (session_id)
)
select * from final
