-- Per organ: patients proposed a trial in RCP in a year, patients included, and new patients
-- (marts.mart_trial_patients_yearly: exact distinct counts for the 3C chosen, '*' = all).
select coalesce(o.label, t.organ) as organ, t.proposed, t.included, t.new_patients
from marts.mart_trial_patients_yearly t
left join core.dim_organ o on o.organ = t.organ
where t.year = $year and t.c3_id = coalesce($c3, '*') and t.organ <> '*'
  and t.new_patients is not null and ($organ is null or t.organ = $organ)
order by t.new_patients desc
