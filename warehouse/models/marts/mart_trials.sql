-- Grain: one row per trial (trial_id): the registry with its activity in RCP (proposals) and
-- inclusions.
with proposals as (
    select trial_id, count(*) as proposals, count(distinct patient_key) as patients_proposed
    from core.fact_fiche where trial_id is not null group by trial_id
),
inclusions as (
    select trial_id, count(*) as inclusions from core.fact_inclusion group by trial_id
),
final as (
    select t.*, coalesce(p.proposals, 0) as proposals,
           coalesce(p.patients_proposed, 0) as patients_proposed,
           coalesce(i.inclusions, 0) as inclusions
    from core.dim_trial t
    left join proposals p using (trial_id)
    left join inclusions i using (trial_id)
)
select * from final
