-- Establishments for the filter.
select finess, name from core.dim_establishment order by name
