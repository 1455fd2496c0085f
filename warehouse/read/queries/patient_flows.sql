-- Patients by territory of residence and treating establishment in a year, with the
-- population-weighted centre of the territory and the establishment's coordinates.
with centres as (
    -- rounded (0.1 m): a parallel sum of doubles may differ in its last bits between runs
    select territory_code, max(territory_name) as territory_name,
           round(sum(lat * population) / sum(population), 6) as lat,
           round(sum(lon * population) / sum(population), 6) as lon
    from core.dim_geography group by 1
)
select f.residence_territory, c.territory_name, f.finess, e.name, sum(f.patients)::bigint as patients,
       c.lat as from_lat, c.lon as from_lon, e.lat as to_lat, e.lon as to_lon
from marts.mart_patient_flows f
join centres c on c.territory_code = f.residence_territory
join core.dim_establishment e on e.finess = f.finess
where f.year = $year and ($c3 is null or f.c3_id = $c3)
group by all having sum(f.patients) >= $min_patients
order by patients desc, f.residence_territory, f.finess
