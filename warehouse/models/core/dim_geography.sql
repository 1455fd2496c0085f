-- Grain: one row per commune (commune_code), up to health territory and department.
with final as (
    select commune_code, name as commune_name, territory_code, territory_name, department_code,
           population, lat, lon
    from staging.stg_commune
)
select * from final
