-- Grain: one row per year, 3C and organ: distinct patients and new patients (first presentation
-- of a first episode in the year).
with final as (
    select year, c3_id, organ,
           count(distinct patient_key) as patients,
           count(distinct patient_key) filter (where new_patient_presentation) as new_patients,
           count(*) as dossiers
    from core.fact_fiche
    group by all
)
select * from final
