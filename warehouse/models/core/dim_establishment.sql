-- Grain: one row per establishment (finess), with its 3C and geography.
with final as (
    select e.finess, e.name, e.category, e.c3_id, e.commune_code, g.territory_code,
           e.department_code, e.lat, e.lon
    from staging.stg_establishment e
    left join core.dim_geography g using (commune_code)
)
select * from final
