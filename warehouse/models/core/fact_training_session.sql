-- Grain: one row per training session the network organised (training_id): its training, dates,
-- days of training and participants (all professions).
with attendance as (
    select training_id, sum(participants)::bigint as participants
    from staging.stg_training_attendance
    group by training_id
),
final as (
    select s.training_id, s.training, s.session_label, s.start_date, s.end_date,
           year(s.start_date) as year, s.days, coalesce(a.participants, 0) as participants
    from staging.stg_training_session s
    left join attendance a using (training_id)
)
select * from final
