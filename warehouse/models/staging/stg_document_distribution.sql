-- Grain: one row per shipment of copies of a document to an establishment (source,
-- distribution_key).
with latest as (
    select * from mapped.document_distribution
    qualify row_number() over (partition by source, distribution_key
                               order by _load_id desc, distributed_date desc) = 1
),
final as (
    select source, distribution_key, source || ':' || distribution_key as distribution_id,
           source || ':' || document_key as document_id, nullif(trim(finess), '') as finess,
           distributed_date, copies
    from latest
)
select * from final
