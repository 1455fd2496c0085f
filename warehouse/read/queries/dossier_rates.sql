-- Dossiers of residents per 100,000 inhabitants, by department or territory, for a year.
-- Plain integers and doubles: the secrecy layer recomputes the rate from perturbed counts.
select area, dossiers::bigint as dossiers, population::bigint as population,
       per_100k::double as per_100k
from marts.mart_dossier_rates
where year = $year and level = $level order by area
