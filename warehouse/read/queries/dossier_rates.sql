-- Dossiers of residents per 100,000 inhabitants, by department or territory, for a year.
select area, dossiers, population, per_100k from marts.mart_dossier_rates
where year = $year and level = $level order by area
