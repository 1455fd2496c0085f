-- Grain: one row per answer to the DCC users' satisfaction survey (response_id): the score from
-- 1 to 4, satisfied when 3 or 4.
with final as (
    select response_id, answered_on, year(answered_on) as year, c3_id, profile, score,
           score >= 3 as is_satisfied
    from staging.stg_dcc_satisfaction
)
select * from final
