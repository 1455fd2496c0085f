-- Per organ: patients proposed a trial in RCP in a year, patients included, and new patients.
with proposed as (
    select organ, count(distinct patient_key) as proposed from core.fact_fiche
    where year = $year and trial_id is not null and ($c3 is null or c3_id = $c3) group by 1
),
included as (
    select organ, count(distinct patient_key) as included from core.fact_inclusion
    where year(inclusion_date) = $year and ($c3 is null or c3_id = $c3) group by 1
),
new as (
    select organ, count(distinct patient_key) filter (where new_patient_presentation) as new_patients
    from core.fact_fiche where year = $year and ($c3 is null or c3_id = $c3) group by 1
)
select coalesce(o.label, n.organ) as organ, coalesce(p.proposed, 0) as proposed,
       coalesce(i.included, 0) as included, n.new_patients
from new n left join proposed p using (organ) left join included i using (organ)
left join core.dim_organ o on o.organ = n.organ
where n.organ is not null and ($organ is null or n.organ = $organ)
order by n.new_patients desc
