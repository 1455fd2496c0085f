-- Grain: one row per visit of a 3C by the coordination team (source, visit_key).
with latest as (
    select * from mapped.c3_visit
    qualify row_number() over (partition by source, visit_key
                               order by _load_id desc, visit_date desc) = 1
),
final as (
    select source, visit_key, source || ':' || visit_key as visit_id, upper(trim(c3_id)) as c3_id,
           visit_date, topic
    from latest
)
select * from final
