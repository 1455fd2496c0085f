-- Quorum compliance of the dossiers of a year, by 3C, RCP entity or organ ($by).
select case $by when 'c3' then coalesce(c.name, q.c3_id)
                when 'entity' then coalesce(e.name, q.entity_code)
                else coalesce(o.label, 'Non renseigné') end as label,
       sum(q.quorum_met) as met, sum(q.quorum_not_met) as not_met,
       sum(q.quorum_unknown) as unknown, sum(q.dossiers) as dossiers,
       100.0 * sum(q.quorum_met) / nullif(sum(q.dossiers), 0) as pct_met
from marts.mart_quorum_monthly q
left join core.dim_c3 c on c.c3_id = q.c3_id
left join core.dim_rcp_entity e on e.entity_code = q.entity_code
left join core.dim_organ o on o.organ = q.organ
where year(q.month) = $year and ($c3 is null or q.c3_id = $c3)
  and ($organ is null or q.organ = $organ)
  and ($finess is null or q.finess = $finess) and ($department is null or q.residence_department = $department)
group by 1 order by pct_met
