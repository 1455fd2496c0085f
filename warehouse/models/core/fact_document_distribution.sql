-- Grain: one row per shipment of copies of a document to an establishment (distribution_id),
-- with the document's type and the establishment's 3C.
with final as (
    select d.distribution_id, d.document_id, doc.doc_type, d.finess, e.c3_id,
           d.distributed_date, year(d.distributed_date) as year, d.copies
    from staging.stg_document_distribution d
    left join core.dim_document doc using (document_id)
    left join core.dim_establishment e using (finess)
)
select * from final
