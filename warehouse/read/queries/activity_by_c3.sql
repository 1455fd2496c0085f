-- Dossiers and sessions per 3C over a year.
select a.c3_id, c.name, sum(a.dossiers) as dossiers
from marts.mart_rcp_activity_monthly a left join core.dim_c3 c using (c3_id)
where year(a.month) = $year and ($organ is null or a.organ = $organ)
  and ($c3 is null or a.c3_id = $c3)
  and ($finess is null or a.finess = $finess) and ($department is null or a.residence_department = $department)
group by all order by dossiers desc
