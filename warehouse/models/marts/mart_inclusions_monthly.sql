-- Grain: one row per month, trial, establishment, organ and department of residence: inclusions.
with final as (
    select month, trial_id, finess, c3_id, organ, residence_department, count(*) as inclusions
    from core.fact_inclusion
    group by all
)
select * from final
