-- The survey marts of the warehouse (marts.mart_survey_*), if any: the activity report's survey
-- summary is left out without them.
select table_name
from information_schema.tables
where table_schema = 'marts' and table_name like 'mart_survey%'
order by table_name
