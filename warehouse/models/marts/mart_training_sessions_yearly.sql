-- Grain: one row per year and training: the sessions the network organised, their days of
-- training and their participants (the year is the one of the first day).
with final as (
    select year, training, count(*) as sessions, sum(days) as days,
           sum(participants)::bigint as participants
    from core.fact_training_session
    group by year, training
)
select * from final
