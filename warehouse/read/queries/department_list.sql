-- Departments of residence of the network for the filter, with their names.
select g.department_code, coalesce(d.name, g.department_code) as name
from (select distinct department_code from core.dim_geography) g
left join ref.department d on d.code = g.department_code
order by g.department_code
