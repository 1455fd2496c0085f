-- The trials of the registry that it gives as open today, with what a patient or a physician
-- needs: title, acronym, phase, organ, sponsor, synopsis, contact. Reference data.
select t.trial_id, t.title, t.acronym, t.phase, t.organ, coalesce(o.label, t.organ) as organ_label,
       t.sponsor, t.synopsis, t.contact_name, t.contact_email, t.open_date, t.close_date
from core.dim_trial t
left join core.dim_organ o on o.organ = t.organ
where t.status = 'ouvert'
order by coalesce(o.label, t.organ), t.title, t.trial_id
