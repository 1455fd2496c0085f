-- Grain: one row per year and type of document: documents written in the year, copies
-- distributed in it (a shipment of a document of unknown type counts under no type).
with written as (
    select year, doc_type, count(*) as documents_written from core.dim_document group by all
),
distributed as (
    select year, doc_type, sum(copies)::bigint as copies_distributed, count(*) as shipments
    from core.fact_document_distribution group by all
),
final as (
    select coalesce(w.year, d.year) as year, coalesce(w.doc_type, d.doc_type) as doc_type,
           coalesce(w.documents_written, 0) as documents_written,
           coalesce(d.copies_distributed, 0) as copies_distributed,
           coalesce(d.shipments, 0) as shipments
    from written w
    full join distributed d on w.year = d.year and w.doc_type is not distinct from d.doc_type
)
select * from final
