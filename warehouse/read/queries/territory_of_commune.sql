-- The health territory of each commune (to colour communes by their territory's rate).
select commune_code, territory_code, territory_name from core.dim_geography
