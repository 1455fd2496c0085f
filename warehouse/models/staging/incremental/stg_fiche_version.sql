-- key: fiche_id
-- reads mapped.fiche_version: source || ':' || fiche_key
-- Every version of a fiche one of whose versions changed, or whose session or RCP entity did.
select source || ':' || fiche_key from changes.fiche_version
union all
select fiche_id from staging.stg_fiche_version
where session_id in (select session_id from changes.stg_session)
   or entity_code in (select entity_code from changes.stg_rcp_entity)
