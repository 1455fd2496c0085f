-- Grain: one row per year and profile of the DCC users' satisfaction survey: respondents, those
-- satisfied (3 or 4 on the 4-point scale) and the sum of their scores.
with final as (
    select year, profile, count(*) as respondents,
           count(*) filter (where is_satisfied) as satisfied,
           sum(score)::bigint as score_total
    from core.fact_dcc_satisfaction
    group by year, profile
)
select * from final
