-- Establishments with their authorisations, 3C and RCP places, and their town.
select m.finess, m.name, m.category, m.c3_id, c.name as c3_name, m.department_code,
       g.commune_name as town, m.lat, m.lon, m.chemotherapy, m.radiotherapy,
       coalesce(m.surgery_types, '') as surgery_types, m.rcp_entities
from marts.mart_care_offer m
left join core.dim_c3 c using (c3_id)
left join core.dim_geography g using (commune_code)
where ($c3 is null or m.c3_id = $c3)
order by m.finess
