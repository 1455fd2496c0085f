-- 3Cs for the filter.
select c3_id, name from core.dim_c3 order by c3_id
