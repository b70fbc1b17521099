-- Run once by the postgres:16 image on an empty volume: one database per deployable
-- (names from linli.cli.topology; tests/deploy/test_compose.py keeps the two in step).
CREATE DATABASE linli_gateway;
CREATE DATABASE linli_residents;
CREATE DATABASE linli_service_hall;
CREATE DATABASE linli_grid;
CREATE DATABASE linli_funds;
CREATE DATABASE linli_jobs_coop;
