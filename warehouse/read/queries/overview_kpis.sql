-- Key figures of a year and the year before, for the filters chosen ($c3, $organ, $finess,
-- $department; null = all). Marts only: distinct patients come from mart_patients_yearly's row
-- for the filter combination ('*' = all); sessions are those that discussed at least one
-- dossier matching the dossier filters.
with fiches as (
    select year, dossiers, patients, new_patients, active_entities
    from marts.mart_patients_yearly
    where year in ($year, $year - 1)
      and c3_id = coalesce($c3, '*') and organ = coalesce($organ, '*')
      and finess = coalesce($finess, '*') and residence_department = coalesce($department, '*')
),
sessions as (
    select year(day) as year, sum(sessions)::bigint as sessions
    from marts.mart_sessions_daily
    where year(day) in ($year, $year - 1) and ($c3 is null or c3_id = $c3)
      and organ = coalesce($organ, '*') and finess = coalesce($finess, '*')
      and residence_department = coalesce($department, '*')
    group by 1
),
quorum as (
    select year(month) as year, sum(quorum_met) as met, sum(dossiers) as judged
    from marts.mart_quorum_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
      and ($finess is null or finess = $finess)
      and ($department is null or residence_department = $department)
    group by 1
),
pps as (
    select year(month) as year, sum(pps) as pps, sum(pps_with_gp) as pps_with_gp
    from marts.mart_pps_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
      and ($finess is null or finess = $finess)
      and ($department is null or residence_department = $department)
    group by 1
),
inclusions as (
    select year(month) as year, sum(inclusions)::bigint as inclusions
    from marts.mart_inclusions_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
      and ($finess is null or finess = $finess)
      and ($department is null or residence_department = $department)
    group by 1
),
trials as (
    select year, trials_open from marts.mart_trial_years where year in ($year, $year - 1)
),
final as (
    select y.year, f.dossiers, s.sessions, f.patients, f.new_patients, f.active_entities,
           100.0 * q.met / nullif(q.judged, 0) as pct_quorum_met,
           100.0 * p.pps_with_gp / nullif(p.pps, 0) as pct_pps_with_gp,
           i.inclusions, t.trials_open, q.met as quorum_met, q.judged as quorum_judged, p.pps,
           p.pps_with_gp
    from (select unnest([$year - 1, $year]) as year) y
    left join fiches f using (year) left join sessions s using (year)
    left join quorum q using (year) left join pps p using (year)
    left join inclusions i using (year) left join trials t using (year)
)
select * from final order by year
