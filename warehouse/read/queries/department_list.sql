-- Departments of the network for the filter.
select distinct department_code from core.dim_geography order by 1
