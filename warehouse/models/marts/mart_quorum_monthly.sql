-- Grain: one row per month, 3C, RCP entity, organ, establishment and department of residence:
-- dossiers whose session met, did not meet, or
-- cannot be judged against the quorum rule of their organ (config/quorum_rules.toml).
with fiches as (
    select f.month, f.c3_id, f.entity_code, f.organ, f.finess, f.residence_department, q.status
    from core.fact_fiche f
    join core.fact_quorum_fiche q using (fiche_id)
),
final as (
    select month, c3_id, entity_code, organ, finess, residence_department,
           count(*) as dossiers,
           count(*) filter (where status = 'met') as quorum_met,
           count(*) filter (where status = 'not_met') as quorum_not_met,
           count(*) filter (where status = 'unknown') as quorum_unknown
    from fiches
    group by all
)
select * from final
