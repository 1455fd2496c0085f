-- Grain: one row per convention the network signed (source, convention_key).
with latest as (
    select * from mapped.convention
    qualify row_number() over (partition by source, convention_key
                               order by _load_id desc, signed_date desc) = 1
),
final as (
    select source, convention_key, source || ':' || convention_key as convention_id, partner,
           subject, signed_date
    from latest
)
select * from final
