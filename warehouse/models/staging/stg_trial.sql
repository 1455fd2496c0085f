-- Grain: one row per trial of the registry (trial_id).
with final as (
    select distinct on (trial_id)
        trial_id, title, acronym, status, open_date, close_date, sponsor, organ, phase, synopsis,
        contact_name, contact_email
    from mapped.trial
    order by trial_id
)
select * from final
