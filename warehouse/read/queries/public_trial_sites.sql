-- The centres in the network's region of the trials the registry gives as open, with their
-- contact as the registry gives it (a unit, such as the centre's clinical research unit).
select s.trial_id, s.facility, s.city, s.contact, s.phone, s.email
from core.dim_trial_site s
join core.dim_trial t using (trial_id)
where t.status = 'ouvert' and s.in_region
order by s.trial_id, s.facility
