-- Later fiches for the same patient identity, session and version (the first: the smallest
-- number, or the shortest then first key, e.g. a national Fiche RCP's setId root^extension).
-- denominator
select source, c3_id, count(*) as n from staging.stg_fiche group by all
-- violations
select source, c3_id, fiche_id as row_key, 'same as ' || first_id as detail
from (select *, first_value(fiche_id) over (partition by identity_id, session_id, version
                                             order by try_cast(fiche_key as bigint), length(fiche_id), fiche_id)
                                             as first_id
      from {rows})
where fiche_id <> first_id
-- rows to check again among changes
-- every fiche of a patient, session and version that a changed fiche left or joins
select t.* from staging.stg_fiche t semi join {changes} c
on t.identity_id is not distinct from c.identity_id and t.session_id is not distinct from c.session_id
   and t.version is not distinct from c.version
