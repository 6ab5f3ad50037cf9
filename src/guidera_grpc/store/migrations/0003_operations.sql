-- 0003: what operations need beside the first schema.
--
-- Health keeps the latency a supplier is expected to have apart from the latency it shows:
-- avg_latency_ms follows the measured calls, expected_latency_ms stays the profile's figure, so
-- that a supplier far slower than expected can be degraded even when it answers without errors.
-- Optional per-provider budgets sit beside the global ones of the settings. Routing rules may set
-- a timeout of their own. The daily cost summary and the health summary are views for the admin
-- API and for people at a psql prompt.

ALTER TABLE api_providers
    ADD COLUMN expected_latency_ms integer NOT NULL DEFAULT 1000
        CHECK (expected_latency_ms > 0),
    ADD COLUMN latency_p50_ms integer CHECK (latency_p50_ms >= 0),
    ADD COLUMN latency_p95_ms integer CHECK (latency_p95_ms >= 0),
    ADD COLUMN daily_budget numeric(12, 4) CHECK (daily_budget >= 0),
    ADD COLUMN monthly_budget numeric(12, 4) CHECK (monthly_budget >= 0);

UPDATE api_providers SET expected_latency_ms = avg_latency_ms WHERE avg_latency_ms > 0;

COMMENT ON COLUMN api_providers.expected_latency_ms IS
    'Latency the profile promises (the appendix''s average); the yardstick for "too slow".';
COMMENT ON COLUMN api_providers.avg_latency_ms IS
    'Mean latency of the recent successful calls, as measured by the health monitor.';
COMMENT ON COLUMN api_providers.latency_p50_ms IS 'Median latency of the recent calls.';
COMMENT ON COLUMN api_providers.latency_p95_ms IS '95th percentile latency of the recent calls.';
COMMENT ON COLUMN api_providers.daily_budget IS
    'EUR this provider may cost in a UTC day; NULL: only the global budget applies.';
COMMENT ON COLUMN api_providers.monthly_budget IS
    'EUR this provider may cost in a UTC month; NULL: only the global budget applies.';

ALTER TABLE routing_rules
    ADD COLUMN timeout_ms integer CHECK (timeout_ms BETWEEN 100 AND 60000);

COMMENT ON COLUMN routing_rules.timeout_ms IS
    'Optional time budget in milliseconds for the upstream calls of a search the rule matches.';

-- The retention purge deletes health checks by age, as it does call-log rows.
CREATE INDEX provider_health_checks_checked_at ON provider_health_checks USING brin (checked_at);

CREATE VIEW daily_cost_summary AS
SELECT c.period_start AS day,
       c.provider,
       c.searches,
       c.bookings,
       c.cost,
       sum(c.cost) OVER (PARTITION BY c.period_start) AS day_total,
       p.daily_budget AS provider_daily_budget
FROM provider_costs c
JOIN api_providers p ON p.code = c.provider
WHERE c.period_type = 'day';

COMMENT ON VIEW daily_cost_summary IS
    'Spend per UTC day and provider, with the day''s total over every provider.';

CREATE VIEW provider_health_summary AS
SELECT p.code AS provider,
       p.enabled,
       p.status,
       p.status_reason,
       p.status_changed_at,
       p.health_score,
       p.success_count,
       p.failure_count,
       CASE WHEN p.success_count + p.failure_count > 0
            THEN round(p.success_count::numeric / (p.success_count + p.failure_count), 4)
       END AS success_rate,
       p.consecutive_failures,
       p.expected_latency_ms,
       p.avg_latency_ms,
       p.latency_p50_ms,
       p.latency_p95_ms,
       p.last_success_at,
       p.last_failure_at,
       recent.calls AS calls_last_hour,
       recent.failures AS failures_last_hour,
       last_check.checked_at AS last_check_at,
       last_check.ok AS last_check_ok
FROM api_providers p
CROSS JOIN LATERAL (
    SELECT count(*) AS calls,
           count(*) FILTER (WHERE l.status IN ('error', 'timeout')) AS failures
    FROM provider_logs l
    WHERE l.provider = p.code AND l.started_at > now() - interval '1 hour'
) AS recent
LEFT JOIN LATERAL (
    SELECT h.checked_at, h.ok
    FROM provider_health_checks h
    WHERE h.provider = p.code
    ORDER BY h.checked_at DESC
    LIMIT 1
) AS last_check ON true;

COMMENT ON VIEW provider_health_summary IS
    'Each provider''s live health: status, score, counters, latency, the last hour of calls '
    'and the latest health check.';
