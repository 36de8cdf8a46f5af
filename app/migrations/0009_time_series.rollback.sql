DROP FUNCTION ecomart_drop_time_partitions(text, timestamptz);
DROP FUNCTION ecomart_ensure_time_partitions(text, date, integer);
DROP TABLE inventory_levels;
DROP TABLE sales_points;
