-- Grain: one row per document the network wrote (document_id): patient information sheets,
-- leaflets, guidelines, with the date it was written.
with final as (
    select document_id, title, doc_type, written_date, year(written_date) as year
    from staging.stg_document
)
select * from final
