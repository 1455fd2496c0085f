-- The RCP directory: each RCP entity with its organs (labels), 3C, main place and its town and
-- department, schedule, how it meets, secretariat, how to submit a dossier, and its coordinator
-- where the directory marks the name public. Reference data about no individual.
with organs as (
    select e.entity_code,
           string_agg(coalesce(o.label, u.organ), ', ' order by coalesce(o.label, u.organ))
               as organ_labels
    from core.dim_rcp_entity e,
         unnest(string_split(e.organs, '|')) as u(organ)
    left join core.dim_organ o on o.organ = u.organ
    group by e.entity_code
)
select e.entity_code, e.name, e.c3_id, c.name as c3_name, e.organs, o.organ_labels,
       e.rcp_type, e.recours, e.weekday, e.every_weeks, e.hour, e.meeting_mode,
       e.coordinator_name, e.secretariat_phone, e.secretariat_email, e.submission,
       e.place_finess, p.name as place_name, g.commune_name as town, p.department_code,
       coalesce(d.name, p.department_code) as department_name, p.lat, p.lon
from core.dim_rcp_entity e
left join organs o using (entity_code)
left join core.dim_c3 c using (c3_id)
left join core.dim_establishment p on p.finess = e.place_finess
left join core.dim_geography g on g.commune_code = p.commune_code
left join ref.department d on d.code = p.department_code
order by e.entity_code
