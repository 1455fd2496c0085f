-- Grain: one row per centre of a trial in the registry (trial_id, facility).
with source as (
    select * from mapped.trial_site
),
final as (
    select distinct on (trial_id, facility)
        trial_id, facility, status, city, zip, country, contact, phone, email
    from source
    order by trial_id, facility
)
select * from final
