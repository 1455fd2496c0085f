-- Grain: one row per year, type of document and establishment (with its 3C): the copies
-- distributed to it.
with final as (
    select year, doc_type, finess, c3_id, sum(copies)::bigint as copies_distributed, count(*) as shipments
    from core.fact_document_distribution
    group by all
)
select * from final
