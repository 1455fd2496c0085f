-- Supportive-care providers.
select name, kind, kind_label, commune_code, phone, lat, lon from core.dim_supportive_care
order by kind, name
