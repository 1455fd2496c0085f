-- The trial registry with its activity (for the searchable list): proposals in RCP and
-- inclusions, of one 3C when $c3 is set.
with activity as (
    select trial_id, sum(proposals)::bigint as proposals, sum(inclusions)::bigint as inclusions
    from marts.mart_trial_activity
    where ($c3 is null or c3_id = $c3)
    group by trial_id
)
select t.trial_id, t.title,
       case when t.close_date < current_date then 'clos' else 'ouvert' end as statut,
       t.phase, t.organ, t.sponsor, t.open_date, t.close_date, t.contact_name, t.contact_email,
       t.synopsis, coalesce(a.proposals, 0) as proposals, coalesce(a.inclusions, 0) as inclusions
from core.dim_trial t left join activity a using (trial_id)
where ($organ is null or t.organ = $organ)
order by t.open_date desc
