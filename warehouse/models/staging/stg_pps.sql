-- Grain: one row per PPS (source, pps_key). The identity comes from the PPS, else its fiche.
with pps as (
    select distinct on (source, pps_key) * from mapped.pps order by source, pps_key
),
fiche_identity as (
    select distinct fiche_id, identity_id from staging.stg_fiche_version
),
final as (
    select
        p.source, p.pps_key, p.source || ':' || p.pps_key as pps_id,
        p.source || ':' || p.fiche_key as fiche_id,
        coalesce(p.source || ':' || p.identity_key, f.identity_id) as identity_id,
        p.source || ':' || p.gp_key as gp_id,
        p.gp_key is not null as has_gp,
        p.source || ':' || p.responsible_key as responsible_id,
        p.delivered_date
    from pps p
    left join fiche_identity f on f.fiche_id = p.source || ':' || p.fiche_key
)
select * from final
