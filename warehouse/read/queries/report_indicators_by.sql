-- Key indicators of a year by 3C, organ or department of residence ($by: c3 | organ |
-- department), for the whole network or one 3C ($c3): dossiers, distinct and new patients
-- (mart_patients_yearly's row for each value, other filters '*'), dossiers whose session met the
-- quorum, PPS naming a GP and trial inclusions. Department null = outside the region.
with patients as (
    select case $by when 'c3' then c3_id when 'organ' then organ
                    else residence_department end as key,
           dossiers, patients, new_patients
    from marts.mart_patients_yearly
    where year = $year and finess = '*'
      and case when $by = 'c3' then c3_id <> '*' else c3_id = coalesce($c3, '*') end
      and ($c3 is null or c3_id = $c3)
      and case when $by = 'organ' then organ is distinct from '*' else organ = '*' end
      and case when $by = 'department' then residence_department is distinct from '*'
               else residence_department = '*' end
),
monthly as (  -- (numerator, denominator) per kind of figure, month and dimensions
    select 'quorum' as kind, c3_id, organ, residence_department, month,
           quorum_met as num, dossiers as den
    from marts.mart_quorum_monthly
    union all
    select 'pps', c3_id, organ, residence_department, month, pps_with_gp, pps
    from marts.mart_pps_monthly
    union all
    select 'inclusions', c3_id, organ, residence_department, month, inclusions, 0
    from marts.mart_inclusions_monthly
),
figures as (
    select case $by when 'c3' then c3_id when 'organ' then organ
                    else residence_department end as key,
           sum(num) filter (where kind = 'quorum') as quorum_met,
           sum(den) filter (where kind = 'quorum') as quorum_judged,
           sum(num) filter (where kind = 'pps') as pps_with_gp,
           sum(den) filter (where kind = 'pps') as pps,
           sum(num) filter (where kind = 'inclusions') as inclusions
    from monthly
    where year(month) = $year and ($c3 is null or c3_id = $c3)
    group by 1
),
final as (
    select p.key,
           case $by when 'c3' then coalesce(c.name, p.key)
                    when 'organ' then coalesce(o.label, 'Non renseigné')
                    else coalesce(p.key, 'Hors région') end as label,
           p.dossiers, p.patients, p.new_patients,
           coalesce(f.quorum_met, 0)::bigint as quorum_met,
           coalesce(f.quorum_judged, 0)::bigint as quorum_judged,
           100.0 * f.quorum_met / nullif(f.quorum_judged, 0) as pct_quorum_met,
           coalesce(f.pps, 0)::bigint as pps, coalesce(f.pps_with_gp, 0)::bigint as pps_with_gp,
           100.0 * f.pps_with_gp / nullif(f.pps, 0) as pct_pps_with_gp,
           coalesce(f.inclusions, 0)::bigint as inclusions
    from patients p
    left join figures f on f.key is not distinct from p.key
    left join core.dim_c3 c on $by = 'c3' and c.c3_id = p.key
    left join core.dim_organ o on $by = 'organ' and o.organ = p.key
)
select * from final order by dossiers desc, label
