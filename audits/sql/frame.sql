-- The sampling frame of an audit: one row per dossier (fiche_id) of core.fact_fiche whose session
-- falls in the period ($start .. $end) and, when $c3 is set, of that 3C; with its strata (RCP
-- entity, organ, 3C) and what the warehouse knows of each question a grid may pre-fill. A value
-- the warehouse cannot judge is NULL (a quorum not evaluable, a patient information not traced is
-- false, not NULL: the fiche has the field).
with proposals as (
    select distinct fiche_id from core.fact_proposal
),
pps as (
    select fiche_id, delivered_date as pps_date, has_gp
    from core.fact_pps
    qualify row_number() over (partition by fiche_id order by delivered_date, pps_id) = 1
),
final as (
    select
        f.fiche_id, f.session_id, f.rcp_date, f.c3_id, f.entity_code,
        coalesce(f.organ, 'non_renseigne') as organ,
        case q.status when 'met' then true when 'not_met' then false end as quorum_met,
        f.patient_informed,
        p.fiche_id is not null as proposal_recorded,
        coalesce(s.has_gp, false) as pps_with_gp,
        f.trial_id is not null as trial_proposed,
        s.pps_date
    from core.fact_fiche f
    left join core.fact_quorum_fiche q using (fiche_id)
    left join proposals p using (fiche_id)
    left join pps s using (fiche_id)
    where f.rcp_date between $start::date and $end::date
      and ($c3 is null or f.c3_id = $c3)
)
select * from final order by fiche_id
