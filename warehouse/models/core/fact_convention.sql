-- Grain: one row per convention the network signed (convention_id).
with final as (
    select convention_id, partner, subject, signed_date, year(signed_date) as year
    from staging.stg_convention
)
select * from final
