DROP FUNCTION ecomart_place_order(bigint, text, text, text[], integer[]);
