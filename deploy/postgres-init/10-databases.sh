#!/bin/bash
# Runs once, when the postgres volume is empty. Parley and Temporal get separate
# roles so neither can touch the other's data.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set parley_pw="${PARLEY_DB_PASSWORD:?}" --set temporal_pw="${TEMPORAL_DB_PASSWORD:?}" <<'SQL'
CREATE ROLE parley LOGIN PASSWORD :'parley_pw';
CREATE DATABASE parley OWNER parley;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_pw';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
-- Temporal's visibility schema needs this; created here so the temporal role needs no superuser.
\connect temporal_visibility
CREATE EXTENSION IF NOT EXISTS btree_gin;
SQL
