-- Grain: one row per inclusion of a patient in a trial (inclusion_key), with the patient's
-- department of residence.
with final as (
    select i.inclusion_key, i.trial_id, i.patient_key, i.finess, e.c3_id, t.organ,
           i.inclusion_date, date_trunc('month', i.inclusion_date)::date as month,
           p.department_code as residence_department
    from staging.stg_inclusion i
    left join core.dim_establishment e using (finess)
    left join core.dim_trial t using (trial_id)
    left join core.dim_patient p using (patient_key)
)
select * from final
