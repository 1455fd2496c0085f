-- Which source feeds which canonical entity in the last run (the sources behind a figure's
-- freshness badge: config/indicators.toml names the entities behind each mart).
select distinct source, entity from meta.reconciliation order by source, entity
