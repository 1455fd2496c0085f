-- Grain: one row per year and combination of the boards' filters (3C, organ, establishment,
-- department of residence; '*' stands for any value): dossiers, distinct patients, new patients
-- (first presentation of a first episode in the year) and active RCP entities. Distinct counts do
-- not add up across filter values, so every combination the boards offer has its own row.
with final as (
    select year,
           case when grouping(c3_id) = 1 then '*' else c3_id end as c3_id,
           case when grouping(organ) = 1 then '*' else organ end as organ,
           case when grouping(finess) = 1 then '*' else finess end as finess,
           case when grouping(residence_department) = 1 then '*' else residence_department end
               as residence_department,
           count(*) as dossiers,
           count(distinct patient_key) as patients,
           count(distinct patient_key) filter (where new_patient_presentation) as new_patients,
           count(distinct entity_code) as active_entities
    from core.fact_fiche
    group by year, cube(c3_id, organ, finess, residence_department)
)
select * from final
