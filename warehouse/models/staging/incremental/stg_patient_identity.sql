-- key: identity_id
-- reads mapped.identity: source || ':' || identity_key
-- An identity whose mapped rows changed.
select source || ':' || identity_key from changes.identity
