-- The last run's files, expected vs present, and their rows: read, blank, extracted,
-- quarantined, loaded, and kept from the run before when the file was missing.
select source, "table", file, present, rows_read, blank, extracted, quarantined, loaded,
       kept_previous
from meta.reconciliation_files order by source, file, "table"
