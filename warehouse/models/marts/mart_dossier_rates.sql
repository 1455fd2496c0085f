-- Grain: one row per year, level (department or territory) and area: dossiers of residents per
-- 100,000 inhabitants (the choropleth of the care-offer map).
with population as (
    select department_code, territory_code, population from core.dim_geography
),
dept as (
    select f.year, 'departement' as level, f.residence_department as area,
           count(*) as dossiers
    from core.fact_fiche f where f.residence_department is not null group by all
),
terr as (
    select f.year, 'territoire' as level, f.residence_territory as area, count(*) as dossiers
    from core.fact_fiche f where f.residence_territory is not null group by all
),
pop as (
    select 'departement' as level, department_code as area, sum(population) as population
    from population group by all
    union all
    select 'territoire', territory_code, sum(population) from population group by all
),
final as (
    select r.year, r.level, r.area, r.dossiers, p.population,
           100000.0 * r.dossiers / p.population as per_100k
    from (select * from dept union all select * from terr) r
    join pop p using (level, area)
)
select * from final
