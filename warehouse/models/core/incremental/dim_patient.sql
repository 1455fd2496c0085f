-- key: patient_key
-- reads staging.stg_patient_identity: patient_key
-- A patient one of whose identities changed, or whose communes' geography did.
select patient_key from changes.stg_patient_identity
union all
select patient_key from staging.stg_patient_identity
where commune_code in (select commune_code from changes.dim_geography)
