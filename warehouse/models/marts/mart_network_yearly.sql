-- Grain: one row per year for the whole network: the overview's key figures (the distinct counts
-- are mart_patients_yearly's network-wide rows).
with fiches as (
    select year, dossiers, patients, new_patients, active_entities
    from marts.mart_patients_yearly
    where c3_id = '*' and organ = '*' and finess = '*' and residence_department = '*'
),
sessions as (
    select year(session_date) as year, count(*) as sessions from core.fact_session group by 1
),
pps as (
    select year(delivered_date) as year, count(*) as pps,
           count(*) filter (where has_gp) as pps_with_gp
    from core.fact_pps group by 1
),
inclusions as (
    select year(inclusion_date) as year, count(*) as inclusions from core.fact_inclusion group by 1
),
final as (
    select f.year, f.dossiers, f.patients, f.new_patients, f.active_entities,
           coalesce(s.sessions, 0) as sessions, coalesce(p.pps, 0) as pps,
           coalesce(p.pps_with_gp, 0) as pps_with_gp, coalesce(i.inclusions, 0) as inclusions
    from fiches f
    left join sessions s using (year)
    left join pps p using (year)
    left join inclusions i using (year)
)
select * from final
