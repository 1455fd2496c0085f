-- Dossiers whose fiche states a quorum (met / not met) that the platform's own evaluation of the
-- participants contradicts; either side unknown is no disagreement.
-- denominator
select f.source, f.c3_id, count(*) as n
from core.fact_quorum_fiche q join core.fact_fiche f using (fiche_id)
where q.stated_quorum in ('met', 'not_met') and q.status in ('met', 'not_met')
group by all
-- violations
select f.source, f.c3_id, q.fiche_id as row_key,
       'la fiche déclare ' || q.stated_quorum || ', la plateforme évalue ' || q.status
       || coalesce(' (manque : ' || nullif(array_to_string(q.missing_specialties, ', '), '') || ')', '')
           as detail
from core.fact_quorum_fiche q join core.fact_fiche f using (fiche_id)
where q.stated_quorum in ('met', 'not_met') and q.status in ('met', 'not_met')
  and q.stated_quorum <> q.status
