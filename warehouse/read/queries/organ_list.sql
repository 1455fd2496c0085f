-- Organs for the filter.
select organ, label from core.dim_organ order by label
