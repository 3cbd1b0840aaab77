-- Prefix search (LIKE 'abc%') on PostgreSQL uses an index only with pattern operators, whatever
-- the database's collation; H2 compares by code point and uses the plain indexes of V3.
CREATE INDEX tg_customer_user_id_prefix ON tg_customer (user_id text_pattern_ops);
CREATE INDEX tg_customer_alias_lower_prefix ON tg_customer (alias_lower text_pattern_ops);
