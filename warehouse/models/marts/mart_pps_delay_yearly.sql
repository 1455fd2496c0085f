-- Grain: one row per year of the RCP, 3C and organ ('*' stands for any 3C or any organ): PPS
-- delivered on or after the RCP they come from, and the median number of days from the RCP to
-- the delivery. Medians do not add up across 3Cs or organs, so each combination has its row.
with delays as (
    select year(rcp_date) as year, c3_id, organ,
           date_diff('day', rcp_date, delivered_date) as days
    from core.fact_pps
    where rcp_date is not null and delivered_date >= rcp_date
),
final as (
    select year, c3_id, organ, count(*) as pps_with_delay, median(days) as median_days
    from delays group by all
    union all
    select year, c3_id, '*', count(*), median(days) from delays group by all
    union all
    select year, '*', organ, count(*), median(days) from delays group by all
    union all
    select year, '*', '*', count(*), median(days) from delays group by all
)
select * from final
