-- Grain: one row per visit of a 3C by the coordination team (visit_id).
with final as (
    select visit_id, c3_id, visit_date, year(visit_date) as year, topic
    from staging.stg_c3_visit
)
select * from final
