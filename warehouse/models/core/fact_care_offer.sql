-- Grain: one row per authorised activity of an establishment (finess, activity, surgery_type).
with final as (
    select a.finess, e.name, e.c3_id, e.department_code, e.territory_code, e.lat, e.lon,
           a.activity, a.surgery_type, a.label
    from staging.stg_authorisation a
    left join core.dim_establishment e using (finess)
)
select * from final
