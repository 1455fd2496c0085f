-- The last run's rows per source, table and entity: extracted into raw, offered to the mapping,
-- loaded, quarantined and skipped (offered = loaded + quarantined + skipped).
select r.source, r."table", r.entity, s.extracted, r.offered, r.loaded, r.quarantined, r.skipped
from meta.reconciliation r
left join meta.run_source s on s.source = r.source and s."table" = r."table"
order by r.source, r."table", r.entity
