-- Grain: one row per training session the network organised (source, training_key): the
-- training, its dates and its days of training.
with latest as (
    select * from mapped.training_session
    qualify row_number() over (partition by source, training_key
                               order by _load_id desc, start_date desc) = 1
),
final as (
    select source, training_key, source || ':' || training_key as training_id, training,
           session_label, start_date, coalesce(end_date, start_date) as end_date, days
    from latest
)
select * from final
