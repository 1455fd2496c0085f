-- Grain: one row per dossier (fiche_id): the latest version of each fiche not deleted, presented
-- at an RCP session, less the fiches a blocking quality check quarantined (duplicates, orphans).
-- Pseudonymised patient, tumour, decision, and where and when.
with latest as (
    select * from staging.stg_fiche f
    where not exists (select 1 from quality.blocked b
                      where b.table_name = 'stg_fiche' and b.row_key = f.fiche_id)
),
identity as (
    select identity_id, patient_key, finess, birth_date, sex, commune_code
    from staging.stg_patient_identity
),
final as (
    select
        f.fiche_id, f.source, f.session_id, f.entity_code, f.c3_id,
        coalesce(f.session_date, f.rcp_date) as rcp_date,
        year(coalesce(f.session_date, f.rcp_date)) as year,
        date_trunc('month', coalesce(f.session_date, f.rcp_date))::date as month,
        i.patient_key, i.finess, i.sex,
        date_diff('year', i.birth_date, coalesce(f.session_date, f.rcp_date)) as age,
        g.department_code as residence_department, g.territory_code as residence_territory,
        g.commune_code is null as outside_region,
        f.organ, f.icd10, f.icd10_valid, c.block as icd10_block,
        c.block_description as icd10_block_label,
        f.morphology, f.tnm_t, f.tnm_n, f.tnm_m, f.who_ps, f.phase, f.first_presentation,
        f.first_presentation and f.phase = 'premier_episode' as new_patient_presentation,
        f.previous_fiche_id, f.case_status, f.mode, f.patient_informed, f.trial_id, f.status,
        f.status = 'valide' as validated, f.order_number, f.validated_at, f.requester_id,
        f.version as versions
    from latest f
    left join identity i on i.identity_id = f.identity_id
    left join core.dim_geography g on g.commune_code = i.commune_code
    left join ref.icd10 c on c.code = f.icd10
)
select * from final
