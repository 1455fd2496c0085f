-- Who each drawn fiche is about, for the nominative answer sheet of entitled roles only: the
-- patient's IPP in the establishment of the identity. Read from the staging layer, the last one
-- where IPPs exist; never written into a draw's files.
select f.fiche_id, i.ipp, i.finess
from staging.stg_fiche f
join staging.stg_patient_identity i using (identity_id)
where list_contains($fiches::varchar[], f.fiche_id)
order by f.fiche_id
