-- Years with activity, most recent first.
select year from marts.mart_network_yearly order by year desc
