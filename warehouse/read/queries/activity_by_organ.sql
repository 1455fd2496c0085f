-- Dossiers per organ over a year.
select coalesce(o.label, 'Non renseigné') as organ, sum(a.dossiers) as dossiers
from marts.mart_rcp_activity_monthly a left join core.dim_organ o using (organ)
where year(a.month) = $year and ($c3 is null or a.c3_id = $c3)
  and ($organ is null or a.organ = $organ)
  and ($finess is null or a.finess = $finess) and ($department is null or a.residence_department = $department)
group by all order by dossiers desc
