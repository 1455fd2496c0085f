-- Grain: one row per trial and 3C (trial_id, c3_id): proposals of the trial in the 3C's RCPs and
-- inclusions in its establishments, so that the trial list can show one 3C's activity.
with proposals as (
    select trial_id, c3_id, count(*) as proposals, count(distinct patient_key) as patients_proposed
    from core.fact_fiche where trial_id is not null group by all
),
inclusions as (
    select trial_id, c3_id, count(*) as inclusions from core.fact_inclusion group by all
),
final as (
    select trial_id, c3_id, coalesce(p.proposals, 0) as proposals,
           coalesce(p.patients_proposed, 0) as patients_proposed,
           coalesce(i.inclusions, 0) as inclusions
    from proposals p full join inclusions i using (trial_id, c3_id)
)
select * from final
