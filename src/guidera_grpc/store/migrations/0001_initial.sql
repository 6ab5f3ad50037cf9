-- 0001: the provider manager's schema.
--
-- Supplier profiles and what they can do, how searches are routed to them, every upstream call
-- with its cost, health history, rate-limit windows, alerts, search sessions, bookings and
-- exchange rates. The default data (profiles, rules, fallback chains, rates) is in 0002, so that
-- this file reads as the shape of the data alone.
--
-- Vocabularies used throughout:
--   category      flights | hotels | cars | experiences
--   region        africa | asia | europe | middle_east | north_america | oceania | south_america
--   money         numeric, never float; provider costs (per search, per booking) are in EUR.

-- Keeps updated_at honest whichever code path writes a row.
CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Suppliers
-- ---------------------------------------------------------------------------------------------

CREATE TABLE api_providers (
    code                  text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name                  text NOT NULL CHECK (name <> ''),
    type                  text NOT NULL
                          CHECK (type IN ('gds', 'aggregator', 'ota', 'wholesaler', 'direct')),
    categories            text[] NOT NULL
                          CHECK (cardinality(categories) > 0
                                 AND categories <@ ARRAY['flights', 'hotels', 'cars',
                                                         'experiences']),
    strong_regions        text[] NOT NULL DEFAULT '{}',
    weak_regions          text[] NOT NULL DEFAULT '{}',
    coverage_regions      text[] NOT NULL DEFAULT '{}',
    strengths             text[] NOT NULL DEFAULT '{}',
    weaknesses            text[] NOT NULL DEFAULT '{}',
    segments              text[] NOT NULL DEFAULT '{}'
                          CHECK (segments <@ ARRAY['budget', 'mid_range', 'luxury', 'business',
                                                   'adventure']),
    enabled               boolean NOT NULL DEFAULT true,
    status                text NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'degraded', 'disabled')),
    status_reason         text,
    status_changed_at     timestamptz,
    priority              integer NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    health_score          numeric(5, 2) NOT NULL DEFAULT 100
                          CHECK (health_score BETWEEN 0 AND 100),
    success_count         bigint NOT NULL DEFAULT 0 CHECK (success_count >= 0),
    failure_count         bigint NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
    consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    avg_latency_ms        integer NOT NULL DEFAULT 0 CHECK (avg_latency_ms >= 0),
    last_success_at       timestamptz,
    last_failure_at       timestamptz,
    cost_per_search       numeric(10, 4) NOT NULL DEFAULT 0 CHECK (cost_per_search >= 0),
    cost_per_booking      numeric(10, 4) NOT NULL DEFAULT 0 CHECK (cost_per_booking >= 0),
    commission_percent    numeric(5, 2) NOT NULL DEFAULT 0
                          CHECK (commission_percent BETWEEN 0 AND 100),
    commission_kind       text NOT NULL DEFAULT 'none'
                          CHECK (commission_kind IN ('none', 'fee', 'commission', 'markup')),
    rate_limit_per_minute integer NOT NULL CHECK (rate_limit_per_minute > 0),
    rate_limit_per_day    integer CHECK (rate_limit_per_day > 0),
    auth_type             text NOT NULL
                          CHECK (auth_type IN ('oauth2', 'api_key', 'api_key_signature')),
    supports_packages     boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_providers_strong_is_covered CHECK (strong_regions <@ coverage_regions),
    CONSTRAINT api_providers_weak_not_covered CHECK (NOT (weak_regions && coverage_regions))
);

COMMENT ON TABLE api_providers IS
    'One row a supplier: its profile (seeded from the design appendix) and its live health.';
COMMENT ON COLUMN api_providers.coverage_regions IS
    'Regions served at normal quality; strong regions are a subset, weak regions lie outside.';
COMMENT ON COLUMN api_providers.weak_regions IS
    'Regions the supplier serves poorly: they earn no geographic score.';
COMMENT ON COLUMN api_providers.strengths IS
    'Non-geographic strengths of the appendix as tags, e.g. budget_routes, multi_city, airports.';
COMMENT ON COLUMN api_providers.weaknesses IS
    'Non-geographic weaknesses as tags, e.g. budget_carriers, premium_cabins, very_rural.';
COMMENT ON COLUMN api_providers.segments IS
    'Travelers it suits: budget / mid_range / luxury (price tier), business / adventure (style).';
COMMENT ON COLUMN api_providers.priority IS 'Tie-break between equal scores; higher wins.';
COMMENT ON COLUMN api_providers.cost_per_search IS 'EUR charged to us per search call.';
COMMENT ON COLUMN api_providers.cost_per_booking IS 'EUR charged to us per booking.';
COMMENT ON COLUMN api_providers.commission_percent IS
    'Percentage of the booking value tied to the supplier; commission_kind says which way it goes.';
COMMENT ON COLUMN api_providers.commission_kind IS
    'fee: we pay it; commission: we earn it; markup: we add it to a net rate; none.';

CREATE TRIGGER api_providers_touch BEFORE UPDATE ON api_providers
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE provider_credentials (
    provider          text NOT NULL REFERENCES api_providers (code)
                      ON UPDATE CASCADE ON DELETE CASCADE,
    environment       text NOT NULL CHECK (environment IN ('sandbox', 'test', 'production')),
    secret_encrypted  bytea NOT NULL CHECK (octet_length(secret_encrypted) > 0),
    key_id            text NOT NULL,
    fingerprint       text NOT NULL CHECK (fingerprint <> ''),
    created_at        timestamptz NOT NULL DEFAULT now(),
    rotated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, environment)
);

COMMENT ON TABLE provider_credentials IS
    'Supplier credentials, encrypted with GUIDERA_SECRET_KEY; plaintext is never stored.';
COMMENT ON COLUMN provider_credentials.secret_encrypted IS
    'Ciphertext of the JSON object of credential fields (client id, secret, key ...).';
COMMENT ON COLUMN provider_credentials.key_id IS 'Which encryption key produced the ciphertext.';
COMMENT ON COLUMN provider_credentials.fingerprint IS
    'Short keyed hash of the plaintext: shows which secret is set without revealing it.';

CREATE TABLE provider_capabilities (
    provider  text NOT NULL REFERENCES api_providers (code) ON UPDATE CASCADE ON DELETE CASCADE,
    category  text NOT NULL CHECK (category IN ('flights', 'hotels', 'cars', 'experiences')),
    level     text NOT NULL CHECK (level IN ('primary', 'strong', 'supported')),
    features  text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (provider, category)
);

COMMENT ON COLUMN provider_capabilities.features IS
    'Feature tags for the category: multi_city, flexible_dates, premium_inventory ...';

CREATE INDEX provider_capabilities_category ON provider_capabilities (category);

-- ---------------------------------------------------------------------------------------------
-- Routing
-- ---------------------------------------------------------------------------------------------

CREATE TABLE routing_rules (
    id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_]+$'),
    description    text NOT NULL DEFAULT '',
    priority       integer NOT NULL CHECK (priority BETWEEN 0 AND 1000),
    enabled        boolean NOT NULL DEFAULT true,
    conditions     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
    provider       text NOT NULL REFERENCES api_providers (code)
                   ON UPDATE CASCADE ON DELETE CASCADE,
    boost          integer NOT NULL CHECK (boost BETWEEN -100 AND 100),
    strategy       text CHECK (strategy IN ('single_fastest', 'single_cheapest', 'parallel_top_3',
                                            'parallel_all', 'sequential', 'waterfall')),
    max_providers  integer CHECK (max_providers BETWEEN 1 AND 10),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON COLUMN routing_rules.conditions IS
    'Every key must match the search: category, region (of the destination), route_type '
    '(domestic_us, intra_europe, transatlantic, transpacific, multi_city, international), '
    'traveler_type (budget, mid_range, luxury), travel_style (business, adventure).';
COMMENT ON COLUMN routing_rules.strategy IS 'Optional strategy the rule imposes when it matches.';

CREATE INDEX routing_rules_active ON routing_rules (priority DESC) WHERE enabled;

CREATE TRIGGER routing_rules_touch BEFORE UPDATE ON routing_rules
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE fallback_chains (
    category    text NOT NULL CHECK (category IN ('flights', 'hotels', 'cars', 'experiences')),
    region      text NOT NULL,
    providers   text[] NOT NULL CHECK (cardinality(providers) > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category, region)
);

COMMENT ON TABLE fallback_chains IS
    'Providers to try in order when the chosen ones fail; region ''default'' applies elsewhere.';

-- An array cannot carry a foreign key: check each code, and refuse repeats, on every write.
CREATE FUNCTION fallback_chains_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unknown text[];
BEGIN
    SELECT array_agg(c) INTO unknown
    FROM unnest(NEW.providers) AS c
    WHERE NOT EXISTS (SELECT 1 FROM api_providers p WHERE p.code = c);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'fallback chain %/% names unknown providers %',
            NEW.category, NEW.region, unknown
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF cardinality(NEW.providers) <> (SELECT count(DISTINCT c) FROM unnest(NEW.providers) c) THEN
        RAISE EXCEPTION 'fallback chain %/% repeats a provider', NEW.category, NEW.region
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER fallback_chains_check BEFORE INSERT OR UPDATE ON fallback_chains
    FOR EACH ROW EXECUTE FUNCTION fallback_chains_check();

-- ---------------------------------------------------------------------------------------------
-- Upstream calls, health, limits, costs
-- ---------------------------------------------------------------------------------------------

CREATE TABLE provider_logs (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    request_id        text NOT NULL,
    session_id        uuid,
    provider          text NOT NULL REFERENCES api_providers (code) ON UPDATE CASCADE,
    endpoint          text NOT NULL,
    request_type      text NOT NULL
                      CHECK (request_type IN ('auth', 'search', 'price', 'book', 'hold', 'cancel',
                                              'retrieve', 'health_check')),
    category          text CHECK (category IN ('flights', 'hotels', 'cars', 'experiences')),
    attempt           smallint NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    started_at        timestamptz NOT NULL,
    duration_ms       integer CHECK (duration_ms >= 0),
    http_status       smallint CHECK (http_status BETWEEN 100 AND 599),
    status            text NOT NULL
                      CHECK (status IN ('success', 'error', 'timeout', 'rate_limited',
                                        'circuit_open', 'cancelled')),
    error_code        text,
    cost              numeric(10, 4) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    routing_score     numeric(6, 2),
    is_fallback       boolean NOT NULL DEFAULT false,
    fallback_from     text REFERENCES api_providers (code) ON UPDATE CASCADE,
    result_count      integer CHECK (result_count >= 0),
    request_summary   jsonb,
    response_summary  jsonb,
    CONSTRAINT provider_logs_fallback_source CHECK (is_fallback OR fallback_from IS NULL)
);

COMMENT ON TABLE provider_logs IS
    'Every upstream call with its outcome and cost; written in batches, kept 30 days.';
COMMENT ON COLUMN provider_logs.session_id IS
    'The search session, when there is one; no foreign key since sessions are written last.';
COMMENT ON COLUMN provider_logs.request_summary IS
    'A short summary; full payloads only when payload logging is switched on.';

CREATE INDEX provider_logs_started_at ON provider_logs USING brin (started_at);
CREATE INDEX provider_logs_provider_started ON provider_logs (provider, started_at DESC);
CREATE INDEX provider_logs_request ON provider_logs (request_id);
CREATE INDEX provider_logs_session ON provider_logs (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX provider_logs_failures ON provider_logs (provider, started_at DESC)
    WHERE status <> 'success';

CREATE TABLE provider_health_checks (
    id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider       text NOT NULL REFERENCES api_providers (code)
                   ON UPDATE CASCADE ON DELETE CASCADE,
    checked_at     timestamptz NOT NULL DEFAULT now(),
    check_type     text NOT NULL CHECK (check_type IN ('probe', 'recovery', 'passive')),
    ok             boolean NOT NULL,
    latency_ms     integer CHECK (latency_ms >= 0),
    http_status    smallint CHECK (http_status BETWEEN 100 AND 599),
    error_code     text,
    health_score   numeric(5, 2) CHECK (health_score BETWEEN 0 AND 100),
    status         text CHECK (status IN ('active', 'degraded', 'disabled')),
    details        jsonb NOT NULL DEFAULT '{}'
);

COMMENT ON COLUMN provider_health_checks.health_score IS 'The provider''s score after the check.';

CREATE INDEX provider_health_checks_recent ON provider_health_checks (provider, checked_at DESC);

CREATE TABLE provider_rate_limits (
    provider           text NOT NULL REFERENCES api_providers (code)
                       ON UPDATE CASCADE ON DELETE CASCADE,
    window_kind        text NOT NULL CHECK (window_kind IN ('second', 'minute', 'hour', 'day')),
    window_start       timestamptz NOT NULL,
    limit_value        integer NOT NULL CHECK (limit_value > 0),
    used               integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    rejected           integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    upstream_throttled integer NOT NULL DEFAULT 0 CHECK (upstream_throttled >= 0),
    retry_after_until  timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, window_kind, window_start)
);

COMMENT ON TABLE provider_rate_limits IS
    'Usage per provider and window, persisted from the live limiter (which lives in Redis): '
    'requests let through, requests we held back, 429s from upstream and their Retry-After.';

CREATE TRIGGER provider_rate_limits_touch BEFORE UPDATE ON provider_rate_limits
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE provider_costs (
    provider      text NOT NULL REFERENCES api_providers (code) ON UPDATE CASCADE,
    period_type   text NOT NULL CHECK (period_type IN ('day', 'month')),
    period_start  date NOT NULL,
    searches      bigint NOT NULL DEFAULT 0 CHECK (searches >= 0),
    bookings      bigint NOT NULL DEFAULT 0 CHECK (bookings >= 0),
    cost          numeric(14, 4) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, period_type, period_start),
    CONSTRAINT provider_costs_month_starts_on_first
        CHECK (period_type <> 'month' OR extract(day FROM period_start) = 1)
);

COMMENT ON TABLE provider_costs IS
    'Spend per provider per day and per month, in EUR, checked against the budgets.';

CREATE INDEX provider_costs_period ON provider_costs (period_type, period_start);

CREATE TRIGGER provider_costs_touch BEFORE UPDATE ON provider_costs
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Alerts
-- ---------------------------------------------------------------------------------------------

CREATE TABLE system_alerts (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]*$'),
    severity         text NOT NULL
                     CHECK (severity IN ('info', 'warning', 'error', 'critical', 'emergency')),
    provider         text REFERENCES api_providers (code) ON UPDATE CASCADE ON DELETE SET NULL,
    message          text NOT NULL,
    details          jsonb NOT NULL DEFAULT '{}',
    dedupe_key       text,
    occurrences      integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    notified_at      timestamptz,
    acknowledged_at  timestamptz,
    acknowledged_by  text
);

COMMENT ON COLUMN system_alerts.dedupe_key IS
    'At most one open (unacknowledged) alert a key: a repeat bumps occurrences and last_seen_at.';

CREATE UNIQUE INDEX system_alerts_open_dedupe ON system_alerts (dedupe_key)
    WHERE acknowledged_at IS NULL AND dedupe_key IS NOT NULL;
CREATE INDEX system_alerts_recent ON system_alerts (created_at DESC);
CREATE INDEX system_alerts_open ON system_alerts (created_at DESC) WHERE acknowledged_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Searches and bookings
-- ---------------------------------------------------------------------------------------------

CREATE TABLE search_sessions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    request_id          text NOT NULL,
    category            text NOT NULL
                        CHECK (category IN ('flights', 'hotels', 'cars', 'experiences')),
    params              jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    params_hash         text NOT NULL,
    status              text NOT NULL
                        CHECK (status IN ('running', 'completed', 'partial', 'failed',
                                          'cancelled')),
    started_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    providers_called    text[] NOT NULL DEFAULT '{}',
    providers_answered  text[] NOT NULL DEFAULT '{}',
    result_count        integer NOT NULL DEFAULT 0 CHECK (result_count >= 0),
    first_result_ms     integer CHECK (first_result_ms >= 0),
    duration_ms         integer CHECK (duration_ms >= 0),
    source              text NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'cache')),
    CONSTRAINT search_sessions_answered_were_called
        CHECK (providers_answered <@ providers_called),
    CONSTRAINT search_sessions_ends_after_start
        CHECK (completed_at IS NULL OR completed_at >= started_at)
);

COMMENT ON COLUMN search_sessions.params IS 'The validated search parameters (canonical JSON).';
COMMENT ON COLUMN search_sessions.params_hash IS
    'SHA-256 of the canonical parameters: groups identical searches.';

CREATE INDEX search_sessions_started ON search_sessions (started_at DESC);
CREATE INDEX search_sessions_request ON search_sessions (request_id);
CREATE INDEX search_sessions_params_hash ON search_sessions (params_hash, started_at DESC);

CREATE TABLE bookings (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idempotency_key      text NOT NULL UNIQUE
                         CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash         text NOT NULL,
    search_session_id    uuid REFERENCES search_sessions (id) ON DELETE SET NULL,
    offer_id             text NOT NULL,
    provider             text NOT NULL REFERENCES api_providers (code) ON UPDATE CASCADE,
    category             text NOT NULL
                         CHECK (category IN ('flights', 'hotels', 'cars', 'experiences')),
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'confirmed', 'held', 'failed', 'unknown',
                                           'cancelled')),
    status_reason        text,
    supplier_reference   text,
    total_amount         numeric(18, 4) NOT NULL CHECK (total_amount >= 0),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    travelers_encrypted  bytea NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    hold_expires_at      timestamptz,
    CONSTRAINT bookings_confirmed_has_reference
        CHECK (status NOT IN ('confirmed', 'held') OR supplier_reference IS NOT NULL),
    CONSTRAINT bookings_held_has_expiry CHECK (status <> 'held' OR hold_expires_at IS NOT NULL)
);

COMMENT ON TABLE bookings IS
    'One row a booking attempt; the idempotency key makes a retried request book once.';
COMMENT ON COLUMN bookings.request_hash IS
    'Hash of the booking request: the same key with a different request is refused.';
COMMENT ON COLUMN bookings.travelers_encrypted IS
    'Traveler details encrypted with GUIDERA_SECRET_KEY; never stored in clear.';

CREATE UNIQUE INDEX bookings_supplier_reference ON bookings (provider, supplier_reference)
    WHERE supplier_reference IS NOT NULL;
CREATE INDEX bookings_created ON bookings (created_at DESC);
CREATE INDEX bookings_to_reconcile ON bookings (updated_at) WHERE status IN ('pending', 'unknown');
CREATE INDEX bookings_holds ON bookings (hold_expires_at) WHERE status = 'held';

CREATE TRIGGER bookings_touch BEFORE UPDATE ON bookings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Exchange rates
-- ---------------------------------------------------------------------------------------------

CREATE TABLE fx_rates (
    currency     text PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
    rate_to_eur  numeric(20, 10) NOT NULL CHECK (rate_to_eur > 0),
    source       text NOT NULL DEFAULT 'manual',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fx_rates_eur_is_one CHECK (currency <> 'EUR' OR rate_to_eur = 1)
);

COMMENT ON COLUMN fx_rates.rate_to_eur IS
    'EUR for one unit of the currency: amount_eur = amount * rate_to_eur.';

CREATE TRIGGER fx_rates_touch BEFORE UPDATE ON fx_rates
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
