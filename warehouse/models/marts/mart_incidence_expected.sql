-- Grain: one row per year of activity and department of the network (residence_department): its
-- population and the new cancer cases expected from it in a year at the crude national incidence
-- rate of 570 per 100,000 inhabitants (an estimate, for every organ and 3C).
with years as (
    select distinct year from core.fact_fiche where year is not null
),
population as (
    select department_code, sum(population) as population from core.dim_geography group by 1
),
final as (
    select y.year, p.department_code as residence_department, p.population,
           round(p.population * 570 / 100000.0)::bigint as expected
    from years y cross join population p
)
select * from final
