-- Grain: one row per 3C (c3_id).
with final as (
    select distinct on (c3_id) c3_id, name, department_code, software
    from mapped.c3 order by c3_id
)
select * from final
