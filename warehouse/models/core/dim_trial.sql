-- Grain: one row per clinical trial of the registry (trial_id).
with final as (
    select trial_id, title, acronym, status, open_date, close_date, sponsor, organ, phase, synopsis,
           contact_name, contact_email
    from staging.stg_trial
)
select * from final
