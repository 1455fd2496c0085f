-- key: fiche_id
-- reads staging.stg_fiche_version: fiche_id
-- The versions of a fiche whose versions changed.
select fiche_id from changes.stg_fiche_version
