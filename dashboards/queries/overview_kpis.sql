-- Key figures of a year and the year before, for all 3Cs or one ($c3 null = all), one organ or
-- all ($organ null = all).
with fiches as (
    select year, count(*) as dossiers, count(distinct patient_key) as patients,
           count(distinct patient_key) filter (where new_patient_presentation) as new_patients,
           count(distinct entity_code) as active_entities
    from core.fact_fiche
    where year in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
      and ($finess is null or finess = $finess)
      and ($department is null or residence_department = $department)
    group by year
),
sessions as (
    select year(session_date) as year, count(*) as sessions
    from core.fact_session
    where year(session_date) in ($year, $year - 1) and ($c3 is null or c3_id = $c3)
    group by 1
),
quorum as (
    select year(month) as year, sum(quorum_met) as met, sum(dossiers) as judged
    from marts.mart_quorum_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
    group by 1
),
pps as (
    select year(month) as year, sum(pps) as pps, sum(pps_with_gp) as pps_with_gp
    from marts.mart_pps_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
    group by 1
),
inclusions as (
    select year(month) as year, sum(inclusions)::bigint as inclusions
    from marts.mart_inclusions_monthly
    where year(month) in ($year, $year - 1)
      and ($c3 is null or c3_id = $c3) and ($organ is null or organ = $organ)
    group by 1
),
trials as (
    select year, trials_open from marts.mart_trial_years where year in ($year, $year - 1)
),
final as (
    select y.year, f.dossiers, s.sessions, f.patients, f.new_patients, f.active_entities,
           100.0 * q.met / nullif(q.judged, 0) as pct_quorum_met,
           100.0 * p.pps_with_gp / nullif(p.pps, 0) as pct_pps_with_gp,
           i.inclusions, t.trials_open
    from (select unnest([$year - 1, $year]) as year) y
    left join fiches f using (year) left join sessions s using (year)
    left join quorum q using (year) left join pps p using (year)
    left join inclusions i using (year) left join trials t using (year)
)
select * from final order by year
