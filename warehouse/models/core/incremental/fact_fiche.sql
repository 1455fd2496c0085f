-- key: fiche_id
-- reads staging.stg_fiche: fiche_id
-- A fiche that changed, was blocked or released by a quality check, or whose patient identity
-- (or its commune's geography) changed.
select fiche_id from changes.stg_fiche
union all
select row_key from changes.blocked where table_name = 'stg_fiche'
union all
select fiche_id from staging.stg_fiche
where identity_id in (select identity_id from changes.stg_patient_identity)
union all
select f.fiche_id from staging.stg_fiche f
join staging.stg_patient_identity i using (identity_id)
where i.commune_code in (select commune_code from changes.dim_geography)
