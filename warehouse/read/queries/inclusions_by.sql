-- Inclusions of a year by establishment, trial, organ or month ($by).
select case $by when 'establishment' then coalesce(e.name, i.finess)
                when 'trial' then i.trial_id
                when 'organ' then coalesce(o.label, i.organ)
                else strftime(i.month, '%Y-%m') end as label,
       sum(i.inclusions)::bigint as inclusions
from marts.mart_inclusions_monthly i
left join core.dim_establishment e on e.finess = i.finess
left join core.dim_organ o on o.organ = i.organ
where year(i.month) = $year and ($c3 is null or i.c3_id = $c3)
  and ($organ is null or i.organ = $organ) and ($finess is null or i.finess = $finess)
  and ($department is null or i.residence_department = $department)
group by 1 order by 1
