DROP TABLE inventory;
DROP TABLE warehouses;
DROP TABLE products;
DROP TABLE customers;
