-- Grain: one row per inclusion in a trial (inclusion_key). The patient key follows the same
-- rule as identities: INS when known, else FINESS + IPP.
with inclusions as (
    select distinct on (inclusion_key) * from mapped.inclusion order by inclusion_key
),
final as (
    select
        inclusion_key, trial_id, finess, inclusion_date,
        sha256(getvariable('hmac_opad') || unhex(sha256(getvariable('hmac_ipad') || encode(
            case when ins is not null then 'INS:' || ins else 'IPP:' || finess || ':' || ipp end
        )))) as patient_key
    from inclusions
)
select * from final
