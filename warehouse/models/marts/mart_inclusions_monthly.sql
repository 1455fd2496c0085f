-- Grain: one row per month, trial, establishment and organ: inclusions.
with final as (
    select month, trial_id, finess, c3_id, organ, count(*) as inclusions
    from core.fact_inclusion
    group by all
)
select * from final
