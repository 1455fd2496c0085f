-- Grain: one row per year, 3C, establishment, organ, ICD-10 block, age band, sex and department
-- of residence:
-- dossiers and distinct patients, with patients from outside the region flagged.
with banded as (
    select *,
        case when age is null then 'inconnu' when age < 40 then '<40'
             when age < 50 then '40-49' when age < 60 then '50-59' when age < 70 then '60-69'
             when age < 80 then '70-79' else '80+' end as age_band
    from core.fact_fiche
),
final as (
    select year, c3_id, finess, organ, icd10_block, icd10_block_label, age_band, sex,
           residence_department, outside_region,
           count(*) as dossiers, count(distinct patient_key) as patients
    from banded
    group by all
)
select * from final
