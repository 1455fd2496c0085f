-- Fiches whose session does not exist. When the session was quarantined by the mapping, the
-- reason names it and says why ("séance 8676 en quarantaine : ..."): the fiche is pulled in
-- with its parent, not lost for a reason of its own.
-- denominator
select source, c3_id, count(*) as n from staging.stg_fiche group by all
-- violations
select f.source, f.c3_id, f.fiche_id as row_key,
       coalesce(
           'séance ' || q.entity_key || ' en quarantaine : ' || q.reason,
           f.session_id
       ) as detail
from staging.stg_fiche f
left join (
    select source, entity_key, min(reason) as reason
    from quality.quarantine
    where check_name = 'mapping' and entity = 'session'
    group by all
) q on q.source || ':' || q.entity_key = f.session_id
where not exists (select 1 from staging.stg_session s where s.session_id = f.session_id)
