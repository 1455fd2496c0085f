-- Grain: one row per month, 3C, organ, establishment and department of residence: traceability
-- indicators of the fiche and the PPS (patient informed traced, PPS naming a GP).
with fiches as (
    select month, c3_id, organ, finess, residence_department, count(*) as dossiers,
           count(*) filter (where patient_informed) as patient_informed_traced
    from core.fact_fiche group by all
),
pps as (
    select date_trunc('month', rcp_date)::date as month, c3_id, organ, finess,
           residence_department, count(*) as pps, count(*) filter (where has_gp) as pps_with_gp
    from core.fact_pps group by all
),
final as (
    select coalesce(f.month, p.month) as month, coalesce(f.c3_id, p.c3_id) as c3_id,
           coalesce(f.organ, p.organ) as organ, coalesce(f.finess, p.finess) as finess,
           coalesce(f.residence_department, p.residence_department) as residence_department,
           coalesce(f.dossiers, 0) as dossiers,
           coalesce(f.patient_informed_traced, 0) as patient_informed_traced,
           coalesce(p.pps, 0) as pps, coalesce(p.pps_with_gp, 0) as pps_with_gp
    from fiches f
    full join pps p on f.month = p.month and f.c3_id is not distinct from p.c3_id
        and f.organ is not distinct from p.organ and f.finess is not distinct from p.finess
        and f.residence_department is not distinct from p.residence_department
)
select * from final
