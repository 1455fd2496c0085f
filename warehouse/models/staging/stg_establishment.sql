-- Grain: one row per establishment of the directory (finess), with coordinates.
with est as (
    select distinct on (finess) * from mapped.establishment order by finess
),
geo as (
    select distinct on (finess) * from mapped.establishment_geo order by finess
),
final as (
    select e.finess, e.name, e.category, e.commune_code, e.department_code, e.c3_id,
           g.lat, g.lon
    from est e
    left join geo g using (finess)
)
select * from final
