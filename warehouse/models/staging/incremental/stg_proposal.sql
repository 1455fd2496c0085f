-- key: fiche_id
-- reads mapped.proposal: source || ':' || fiche_key
-- A fiche whose proposals changed (added, removed or another treatment).
select source || ':' || fiche_key from changes.proposal
