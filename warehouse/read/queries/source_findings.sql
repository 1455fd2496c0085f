-- The last run's contract findings: every violation of a source's contract (config/mappings)
-- and every gap the key reconciliation closed, with the action taken and the rows counted.
select source, "table", kind, action, "count", message, file
from meta.contract_findings order by source, "table", kind
