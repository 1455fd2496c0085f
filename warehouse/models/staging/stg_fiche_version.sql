-- Grain: one row per version of a fiche RCP (source, fiche_key, version), typed and normalised:
-- ICD-10 upper-cased with its dot and checked against the WHO classification, organ in the
-- network vocabulary, the session's entity and 3C attached.
with versions as (
    select * from mapped.fiche_version
),
normalised as (
    select *,
        case
            when icd10 is null then null
            when length(replace(upper(trim(icd10)), '.', '')) > 3
                then substr(replace(upper(trim(icd10)), '.', ''), 1, 3) || '.'
                     || substr(replace(upper(trim(icd10)), '.', ''), 4)
            else replace(upper(trim(icd10)), '.', '')
        end as icd10_code
    from versions
),
final as (
    select
        v.source,
        v.fiche_key,
        v.source || ':' || v.fiche_key as fiche_id,
        v.version,
        v.source || ':' || v.session_key as session_id,
        v.source || ':' || v.identity_key as identity_id,
        v.source || ':' || v.requester_key as requester_id,
        v.rcp_date,
        o.code as organ,
        v.organ as organ_source,
        v.icd10 as icd10_source,
        v.icd10_code as icd10,
        i.code is not null as icd10_valid,
        v.morphology, v.tnm_t, v.tnm_n, v.tnm_m, v.who_ps, v.phase, v.first_presentation,
        v.source || ':' || v.previous_fiche_key as previous_fiche_id,
        v.reason, v.case_status, v.mode, v.patient_informed, v.trial_id, v.status,
        v.order_number, v.validated_at, v.source || ':' || v.validator_key as validator_id,
        v.saved_at, coalesce(v.deleted, false) as deleted, v.rcp_nature, v.stated_quorum,
        s.entity_code, e.c3_id, s.session_date
    from normalised v
    left join ref.organ o on o.code = v.organ
    left join ref.icd10 i on i.code = v.icd10_code
    left join staging.stg_session s on s.session_id = v.source || ':' || v.session_key
    left join staging.stg_rcp_entity e on e.entity_code = s.entity_code
)
select * from final
