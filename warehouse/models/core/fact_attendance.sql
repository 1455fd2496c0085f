-- Grain: one row per professional present at a session (session_id, prof_id).
with final as (
    select a.session_id, a.prof_id, p.rpps, p.specialty, p.specialty_2, p.is_physician,
           a.attendance_mode
    from staging.stg_attendance a
    left join core.dim_professional p using (prof_id)
)
select * from final
