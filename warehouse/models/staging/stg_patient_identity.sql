-- Grain: one row per patient identity of a source (source, identity_key): an IPP in an
-- establishment, with the INS when known. The patient key is a keyed hash (HMAC-SHA256, key
-- outside the warehouse) of the INS, or of FINESS + IPP when there is no INS: the last layer
-- where names, INS and IPP exist.
with identities as (
    -- the latest load of each identity (a window, not DISTINCT ON ... ORDER BY: that sorts every
    -- row whole, and at 4M identities ran out of the build's memory)
    select * from mapped.identity
    qualify row_number() over (partition by source, identity_key order by _load_id desc) = 1
),
keyed as (
    select *,
        case when ins is not null then 'INS:' || ins else 'IPP:' || finess || ':' || ipp end
            as link_text
    from identities
),
final as (
    select
        source, identity_key, source || ':' || identity_key as identity_id,
        ipp, finess, ins, last_name, first_name, birth_date, sex, commune_code,
        source || ':' || gp_key as gp_id,
        sha256(getvariable('hmac_opad')
               || unhex(sha256(getvariable('hmac_ipad') || encode(link_text)))) as patient_key,
        ins is not null as linked_by_ins
    from keyed
)
select * from final
