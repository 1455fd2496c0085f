-- Grain: one row per month, 3C, organ, establishment and department of residence: PPS delivered
-- and those naming a GP.
with final as (
    select month, c3_id, organ, finess, residence_department, count(*) as pps,
           count(*) filter (where has_gp) as pps_with_gp
    from core.fact_pps
    group by all
)
select * from final
