-- ERC-8004 as deployed since January 2026 (the spec's v1, getVersion() "2.0.0") beside v0.4, in
-- one log that every consumer reads with one set of columns (docs/ingest.md, 'Two versions'):
-- feedback carries a signed fixed-point value (int128, 0..18 decimals) instead of a 0..100 score,
-- and string tags instead of bytes32. Nullable columns without a default: adding them rewrites no
-- partition, and rows written before keep null.
ALTER TABLE events
    ADD COLUMN spec_version   text     CHECK (spec_version IN ('v0.4', 'v1')),
    ADD COLUMN value          numeric(39,0)
        CHECK (value BETWEEN -170141183460469231731687303715884105728 AND 170141183460469231731687303715884105727),
    ADD COLUMN value_decimals smallint CHECK (value_decimals BETWEEN 0 AND 18),
    -- value x 10^-value_decimals, exact: what a trigger compares (a v0.4 score s is the value s with 0 decimals)
    ADD COLUMN value_decimal  numeric,
    ADD COLUMN endpoint       text,
    ADD CONSTRAINT value_with_decimals CHECK ((value IS NULL) = (value_decimals IS NULL)),
    ADD CONSTRAINT value_decimal_derived CHECK (value_decimal IS NOT DISTINCT FROM value * power(10::numeric, -value_decimals));
