-- Dossiers per RCP entity over a year.
select a.entity_code, e.name, sum(a.dossiers) as dossiers
from marts.mart_rcp_activity_monthly a left join core.dim_rcp_entity e using (entity_code)
where year(a.month) = $year and ($c3 is null or a.c3_id = $c3)
  and ($organ is null or a.organ = $organ)
  and ($finess is null or a.finess = $finess) and ($department is null or a.residence_department = $department)
group by all order by dossiers desc
