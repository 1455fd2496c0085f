-- Grain: one row per dossier (fiche_id): quorum status of its session against the rule of the
-- dossier's organ in force that day ('unknown' when its session is undated or unrecorded), and
-- beside it the status the fiche itself states (national Fiche RCP; empty for other stores).
with stated as (
    select fiche_id, stated_quorum from staging.stg_fiche
),
final as (
    select f.fiche_id, v.rule_id, coalesce(v.status, 'unknown') as status,
           coalesce(v.missing_specialties, []::varchar[]) as missing_specialties,
           s.stated_quorum
    from core.fact_fiche f
    left join core.fact_quorum_verdict v
      on v.session_id = f.session_id and v.applies_to is not distinct from f.organ
    left join stated s using (fiche_id)
)
select * from final
