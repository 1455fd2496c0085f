-- Grain: one row per establishment (finess): authorisations, RCP places and 3C, with coordinates.
with auth as (
    select finess,
           bool_or(activity = 'chimiotherapie') as chemotherapy,
           bool_or(activity = 'radiotherapie') as radiotherapy,
           string_agg(distinct surgery_type, ', ' order by surgery_type) as surgery_types
    from core.fact_care_offer group by finess
),
places as (
    select place_finess as finess, count(*) as rcp_entities from core.dim_rcp_entity group by 1
),
final as (
    select e.finess, e.name, e.category, e.c3_id, e.commune_code, e.department_code,
           e.territory_code, e.lat, e.lon, coalesce(a.chemotherapy, false) as chemotherapy,
           coalesce(a.radiotherapy, false) as radiotherapy, a.surgery_types,
           coalesce(p.rcp_entities, 0) as rcp_entities
    from core.dim_establishment e
    left join auth a using (finess)
    left join places p using (finess)
)
select * from final
