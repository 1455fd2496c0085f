-- Grain: one row per centre of a trial (trial_id, facility), with whether it is in the network's
-- region (its postcode's department is one of the network's).
with departments as (
    select distinct department_code from core.dim_geography
),
final as (
    select s.trial_id, s.facility, s.status, s.city, s.zip, s.country, s.contact, s.phone,
           s.email,
           coalesce(left(s.zip, 2) in (select department_code from departments), false)
               as in_region
    from staging.stg_trial_site s
)
select * from final
