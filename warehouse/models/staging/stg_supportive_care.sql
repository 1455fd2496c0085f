-- Grain: one row per supportive-care provider (provider_key).
with final as (
    select distinct on (provider_key)
        provider_key, name, kind, kind_label, commune_code, phone, lat, lon
    from mapped.supportive_care order by provider_key
)
select * from final
