-- The trial registry with its activity (for the searchable list).
select trial_id, title, case when close_date < current_date then 'clos' else 'ouvert' end as statut,
       phase, organ, sponsor, open_date, close_date, contact_name, contact_email, synopsis,
       proposals, inclusions
from marts.mart_trials
where ($organ is null or organ = $organ)
order by open_date desc
