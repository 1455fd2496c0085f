-- Grain: one row per supportive-care provider (provider_key).
with final as (
    select s.provider_key, s.name, s.kind, s.kind_label, s.commune_code, g.territory_code,
           g.department_code, s.phone, s.lat, s.lon
    from staging.stg_supportive_care s
    left join core.dim_geography g using (commune_code)
)
select * from final
