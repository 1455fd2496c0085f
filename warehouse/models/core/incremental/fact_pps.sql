-- key: pps_id
-- reads staging.stg_pps: pps_id
-- A PPS that changed, was blocked or released, or whose patient identity or fiche changed.
select pps_id from changes.stg_pps
union all
select row_key from changes.blocked where table_name = 'stg_pps'
union all
select pps_id from staging.stg_pps
where identity_id in (select identity_id from changes.stg_patient_identity)
   or fiche_id in (select fiche_id from changes.fact_fiche)
