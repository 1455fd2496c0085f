-- Grain: one row per training session and profession (source, training_key, profession): the
-- participants of that profession.
with latest as (
    select * from mapped.training_attendance
    qualify row_number() over (partition by source, training_key, profession
                               order by _load_id desc, participants desc) = 1
),
final as (
    select source, training_key, source || ':' || training_key as training_id, profession,
           participants
    from latest
)
select * from final
