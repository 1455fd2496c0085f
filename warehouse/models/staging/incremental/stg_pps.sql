-- key: pps_id
-- reads mapped.pps: source || ':' || pps_key
-- A PPS that changed, or whose fiche's versions did (its identity may come from them).
select source || ':' || pps_key from changes.pps
union all
select pps_id from staging.stg_pps
where fiche_id in (select fiche_id from changes.stg_fiche_version)
union all
select source || ':' || pps_key from mapped.pps
where source || ':' || fiche_key in (select fiche_id from changes.stg_fiche_version)
