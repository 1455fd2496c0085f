-- Grain: one row per answer to the DCC users' satisfaction survey (source, response_key): a score
-- from 1 (very dissatisfied) to 4 (very satisfied).
with latest as (
    select * from mapped.dcc_satisfaction
    qualify row_number() over (partition by source, response_key
                               order by _load_id desc, answered_on desc) = 1
),
final as (
    select source, response_key, source || ':' || response_key as response_id, answered_on,
           upper(trim(c3_id)) as c3_id, profile, score
    from latest
)
select * from final
