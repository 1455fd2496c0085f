-- Supportive-care providers, with their town and department.
select s.name, s.kind, s.kind_label, s.commune_code, g.commune_name as town, s.department_code,
       s.phone, s.lat, s.lon
from core.dim_supportive_care s
left join core.dim_geography g using (commune_code)
order by s.kind, s.name
