-- The trials of the registry open at some time during the year (the overview's "Essais
-- ouverts"), with the status the registry gives them today and their activity in RCP:
-- proposals and inclusions, of one 3C when $c3 is set.
with activity as (
    select trial_id, sum(proposals)::bigint as proposals, sum(inclusions)::bigint as inclusions
    from marts.mart_trial_activity
    where ($c3 is null or c3_id = $c3)
    group by trial_id
)
select t.trial_id, t.title, t.status, t.phase, coalesce(o.label, t.organ) as organ, t.sponsor,
       t.open_date, t.close_date, t.contact_name, t.contact_email, t.synopsis,
       coalesce(a.proposals, 0) as proposals, coalesce(a.inclusions, 0) as inclusions
from core.dim_trial t
left join activity a using (trial_id)
left join core.dim_organ o on o.organ = t.organ
where t.open_date <= make_date($year, 12, 31)
  and coalesce(t.close_date, date '9999-12-31') >= make_date($year, 1, 1)
  and ($organ is null or t.organ = $organ)
order by t.open_date desc, t.trial_id
