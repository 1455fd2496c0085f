-- Grain: one row per professional recorded at a session (source, session_key, prof_key).
with attendance as (
    select distinct on (source, session_key, prof_key) * from mapped.attendance
    order by source, session_key, prof_key
),
final as (
    select
        source, session_key, source || ':' || session_key as session_id,
        prof_key, source || ':' || prof_key as prof_id, attendance_mode
    from attendance
)
select * from final
