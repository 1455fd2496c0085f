-- Grain: one row per authorisation of an establishment (finess, activity, organ).
with auth as (
    select distinct finess, modality from mapped.authorisation
),
final as (
    select
        finess,
        case
            when modality like 'Chirurgie%' then 'chirurgie'
            when modality like 'Chimio%' then 'chimiotherapie'
            when modality like 'Radioth%' then 'radiotherapie'
            else 'autre'
        end as activity,
        case when modality like 'Chirurgie des cancers - %'
             then lower(strip_accents(split_part(modality, ' - ', 2))) end as surgery_type,
        modality as label
    from auth
)
select * from final
