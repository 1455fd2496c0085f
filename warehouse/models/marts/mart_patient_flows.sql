-- Grain: one row per year, health territory of residence, treating establishment and 3C of the
-- RCP: distinct patients whose dossier was presented for that establishment (flows on the
-- care-offer map).
with final as (
    select year, residence_territory, finess, c3_id, count(distinct patient_key) as patients
    from core.fact_fiche
    where residence_territory is not null and finess is not null
    group by all
)
select * from final
