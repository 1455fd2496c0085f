-- key: fiche_id
-- reads staging.stg_fiche_version: fiche_id
-- A fiche whose versions changed (its latest may be another, or deleted).
select fiche_id from changes.stg_fiche_version
