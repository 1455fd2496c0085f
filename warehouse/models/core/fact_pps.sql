-- Grain: one row per PPS (pps_id), with the dossier it comes from (its establishment and the
-- patient's department of residence, for the boards' filters). A PPS whose fiche is not a dossier
-- (quarantined, or absent) is quarantined with it (check pps_fiche_exists) and left out.
with pps as (
    select * from staging.stg_pps p
    where not exists (select 1 from quality.blocked b
                      where b.table_name = 'stg_pps' and b.row_key = p.pps_id)
),
final as (
    select p.pps_id, p.fiche_id, i.patient_key, f.c3_id, f.entity_code, f.organ,
           p.delivered_date, f.rcp_date, p.has_gp,
           date_trunc('month', p.delivered_date)::date as month, f.finess,
           f.residence_department
    from pps p
    left join staging.stg_patient_identity i using (identity_id)
    left join core.fact_fiche f using (fiche_id)
)
select * from final
