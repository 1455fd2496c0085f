-- key: month
-- reads core.fact_fiche: month
-- A month a changed fiche was in, or now is in, or the month of a fiche whose quorum status
-- changed (core.fact_quorum_fiche is read whole: its rows carry no month).
select month from changes.fact_fiche
union all
select f.month
from changes.fact_quorum_fiche q
join core.fact_fiche f using (fiche_id)
