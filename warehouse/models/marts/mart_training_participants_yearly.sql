-- Grain: one row per year, training and profession: the participants of that profession.
with final as (
    select year, training, profession, sum(participants)::bigint as participants
    from core.fact_training_attendance
    group by year, training, profession
)
select * from final
