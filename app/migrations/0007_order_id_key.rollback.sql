DROP TABLE ecomart_keys;
