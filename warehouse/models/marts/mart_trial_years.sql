-- Grain: one row per year: trials open at some time during the year, and trials closed in it.
with years as (
    select distinct year from core.fact_fiche
),
final as (
    select y.year,
           count(*) filter (where t.open_date <= make_date(y.year, 12, 31)
                            and coalesce(t.close_date, date '9999-12-31') >= make_date(y.year, 1, 1))
               as trials_open,
           count(*) filter (where year(t.close_date) = y.year) as trials_closed
    from years y cross join core.dim_trial t
    group by y.year
)
select * from final
