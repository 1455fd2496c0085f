-- Grain: one row per document the network wrote (source, document_key): patient information
-- sheets, leaflets, guidelines.
with latest as (
    select * from mapped.document
    qualify row_number() over (partition by source, document_key
                               order by _load_id desc, written_date desc) = 1
),
final as (
    select source, document_key, source || ':' || document_key as document_id, title, doc_type,
           written_date
    from latest
)
select * from final
