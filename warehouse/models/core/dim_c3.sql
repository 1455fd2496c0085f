-- Grain: one row per 3C (c3_id).
with final as (
    select c3_id, name, department_code, software from staging.stg_c3
)
select * from final
