-- Grain: one row per month and 3C of the identity-vigilance findings of the quality checks
-- (core.fact_identity_vigilance): fiches in double, identities probably split, INS carrying two
-- birth dates or sexes. Findings with no fiche to date them are left out.
with final as (
    select month, c3_id,
           count(*) filter (where check_name = 'fiche_unique') as duplicate_fiches,
           count(*) filter (where check_name = 'likely_duplicate_identity') as split_identities,
           count(*) filter (where check_name = 'ins_single_birth_date') as ins_conflicts
    from core.fact_identity_vigilance
    where month is not null
    group by month, c3_id
)
select * from final
