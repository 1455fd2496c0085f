-- The population a cohort is drawn from: one row per dossier (fiche_id) of core.fact_fiche whose
-- patient is known, with what the criteria test: the treatment types proposed on it, the quorum
-- status of its session, and the trials its patient was included in (any date).
with treatments as (
    select fiche_id, list(distinct treatment order by treatment) as treatments
    from core.fact_proposal
    group by fiche_id
),
inclusions as (
    select patient_key,
           list(trial_id || ' (' || strftime(inclusion_date, '%Y-%m-%d') || ')'
                order by inclusion_date, trial_id) as included_trials
    from core.fact_inclusion
    where patient_key is not null
    group by patient_key
)
select
    f.fiche_id, f.patient_key, f.rcp_date, f.year, f.c3_id, f.entity_code, f.finess,
    f.organ, f.icd10, f.icd10_block, f.morphology, f.tnm_t, f.tnm_n, f.tnm_m, f.who_ps, f.phase,
    f.first_presentation, f.case_status, f.mode, f.age, f.sex, f.residence_department,
    f.trial_id as trial_proposed_id,
    coalesce(t.treatments, []::varchar[]) as treatments,
    q.status as quorum_status,
    coalesce(i.included_trials, []::varchar[]) as included_trials
from core.fact_fiche f
left join treatments t using (fiche_id)
left join core.fact_quorum_fiche q using (fiche_id)
left join inclusions i using (patient_key)
where f.patient_key is not null
