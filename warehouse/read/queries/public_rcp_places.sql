-- Every place of every RCP entity: its main place and the establishments it links by video.
select r.entity_code, r.finess, r.main, coalesce(p.name, r.finess) as name,
       g.commune_name as town, p.department_code
from core.dim_rcp_place r
left join core.dim_establishment p using (finess)
left join core.dim_geography g on g.commune_code = p.commune_code
order by r.entity_code, not r.main, name
