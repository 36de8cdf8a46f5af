DROP TABLE customer_links;
DROP TRIGGER employees_no_cycle ON employees;
DROP FUNCTION ecomart_employees_no_cycle();
DROP TABLE employees;
DROP TABLE departments;
