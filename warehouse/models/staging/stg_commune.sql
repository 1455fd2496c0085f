-- Grain: one row per commune of the network (commune_code), with its health territory.
with communes as (
    select distinct on (commune_code) * from mapped.commune order by commune_code
),
final as (
    select c.commune_code, c.name, c.department_code, c.territory_code, t.name as territory_name,
           c.population, c.lat, c.lon
    from communes c
    left join (select distinct on (territory_code) * from mapped.territory
               order by territory_code) t using (territory_code)
)
select * from final
