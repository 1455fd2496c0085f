-- Grain: one row per year of the network's own activity: visits of 3Cs and conventions signed
-- (0 in a year with other activity but none of these).
with years as (
    select year from core.fact_network_meeting
    union select year from core.fact_c3_visit
    union select year from core.fact_training_session
    union select year from core.fact_convention
    union select year from core.dim_document
    union select year from core.fact_website_month
),
visits as (
    select year, count(*) as c3_visits, count(distinct c3_id) as c3_visited
    from core.fact_c3_visit group by year
),
conventions as (
    select year, count(*) as conventions from core.fact_convention group by year
),
final as (
    select y.year, coalesce(v.c3_visits, 0) as c3_visits, coalesce(v.c3_visited, 0) as c3_visited,
           coalesce(c.conventions, 0) as conventions
    from years y
    left join visits v using (year)
    left join conventions c using (year)
    where y.year is not null
)
select * from final
