-- Airtime charts and fairness on real plays (docs/airtime.md): the operator's settings, one row.
-- public_figures: 1 shows each partner city's hours per month on the portal (default off);
-- fairness_threshold_pp: the deviation of achieved from planned share, in percentage points, above which the
-- console raises a fairness notice.
CREATE TABLE airtime_settings (
    id BIGINT PRIMARY KEY,
    public_figures BIGINT NOT NULL,
    fairness_threshold_pp BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO airtime_settings (id, public_figures, fairness_threshold_pp, version, updated_at) VALUES (1, 0, 10, 1, 0);
