-- Grain: one row per month, 3C and organ: PPS delivered and those naming a GP.
with final as (
    select month, c3_id, organ, count(*) as pps, count(*) filter (where has_gp) as pps_with_gp
    from core.fact_pps
    group by all
)
select * from final
