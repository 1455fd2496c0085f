-- Grain: one row per identity-vigilance finding of this run's quality checks (check_name,
-- case_no): fiches in double (fiche_unique), identities probably split (likely_duplicate_identity:
-- one patient without INS under two establishments' identities), INS carrying two birth dates or
-- sexes (ins_single_birth_date: two people probably merged under one INS). A finding is
-- attributed to the 3C and month of the first fiche of the identity (or the fiche) it names;
-- findings whose identity has no fiche have neither. No patient identifier leaves the checks.
with findings as (
    select check_name, row_key
    from quality.check_violations
    where check_name in ('fiche_unique', 'likely_duplicate_identity', 'ins_single_birth_date')
),
first_fiche as (
    -- only the identities a finding names
    select identity_id, c3_id, coalesce(session_date, rcp_date) as day
    from staging.stg_fiche
    where identity_id in (select row_key from findings where check_name <> 'fiche_unique')
    qualify row_number() over (partition by identity_id
                               order by coalesce(session_date, rcp_date), fiche_id) = 1
),
doubled as (
    -- the fiches a finding names, looked up first (joined with the condition on the check
    -- name, the whole of stg_fiche was joined by a nested loop: 4.7 s at 1M dossiers)
    select fiche_id::varchar as fiche_id, c3_id, session_date, rcp_date
    from staging.stg_fiche
    where fiche_id::varchar in (select row_key from findings where check_name = 'fiche_unique')
),
placed as (
    select f.check_name, f.row_key,
           coalesce(dup.c3_id, ident.c3_id) as c3_id,
           coalesce(coalesce(dup.session_date, dup.rcp_date), ident.day) as day
    from findings f
    left join doubled dup
           on f.check_name = 'fiche_unique' and dup.fiche_id = f.row_key
    left join first_fiche ident
           on f.check_name <> 'fiche_unique' and ident.identity_id = f.row_key
),
final as (
    select check_name,
           row_number() over (partition by check_name order by day, c3_id, md5(row_key))
               as case_no,
           c3_id, date_trunc('month', day)::date as month
    from placed
)
select * from final
