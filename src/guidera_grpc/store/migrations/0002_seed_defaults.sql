-- 0002: the default data of the design's appendices.
--
-- Eight supplier profiles, the categories each serves and how well, the ten default routing
-- rules and the fallback chains. Operators change these rows at run time (AdminService); later
-- migrations must not overwrite what they changed, so this file only inserts.
--
-- Figures kept from the appendix table: rate limit per minute, average latency, cost per search
-- and per booking (EUR), commission. Where the appendix gives a range, the midpoint is stored:
-- expedia 15-25 % -> 20, hotelbeds 15-20 % markup -> 17.5, cartrawler 6-10 % -> 8.
-- Appendix strengths that are not regions (budget routes, airports ...) become tags in
-- strengths / weaknesses. "global" (cartrawler) means strong in every region. The segment tags
-- (which travelers a supplier suits) are a judgement from the profiles and the default rules.

INSERT INTO api_providers (
    code, name, type, categories,
    strong_regions, weak_regions, coverage_regions, strengths, weaknesses, segments,
    cost_per_search, cost_per_booking, commission_percent, commission_kind,
    rate_limit_per_minute, avg_latency_ms, auth_type, supports_packages
) VALUES
    ('amadeus', 'Amadeus', 'gds', '{flights,hotels,cars}',
     '{europe,middle_east,asia,south_america}', '{}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}',
     '{}', '{budget_carriers}', '{mid_range,luxury,business}',
     0.01, 0.50, 0, 'none',
     40, 800, 'oauth2', false),
    ('duffel', 'Duffel', 'aggregator', '{flights}',
     '{north_america,europe}', '{asia,africa,south_america}',
     '{europe,middle_east,north_america,oceania}',
     '{uk}', '{}', '{mid_range,luxury,business}',
     0, 0, 1.5, 'fee',
     100, 600, 'api_key', false),
    ('kiwi', 'Kiwi.com', 'aggregator', '{flights}',
     '{europe}', '{}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}',
     '{budget_routes,multi_city}', '{premium_cabins,corporate}', '{budget,adventure}',
     0, 0, 3, 'commission',
     200, 1200, 'api_key', false),
    ('expedia', 'Expedia', 'ota', '{hotels,cars}',
     '{north_america,europe}', '{}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}',
     '{}', '{remote,boutique}', '{budget,mid_range}',
     0, 0, 20, 'commission',
     500, 500, 'api_key_signature', true),
    ('hotelbeds', 'Hotelbeds', 'wholesaler', '{hotels,experiences}',
     '{europe,asia,middle_east,south_america}', '{}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}',
     '{}', '{budget_us_motels}', '{mid_range,luxury}',
     0, 0, 17.5, 'markup',
     300, 700, 'api_key_signature', false),
    ('getyourguide', 'GetYourGuide', 'direct', '{experiences}',
     '{europe,north_america}', '{africa}',
     '{asia,europe,middle_east,north_america,oceania,south_america}',
     '{}', '{remote}', '{mid_range,adventure}',
     0, 0, 8, 'commission',
     100, 400, 'oauth2', false),
    ('viator', 'Viator', 'direct', '{experiences}',
     '{north_america,europe,oceania}', '{asia,africa}',
     '{europe,middle_east,north_america,oceania,south_america}',
     '{}', '{}', '{mid_range,adventure}',
     0, 0, 8, 'commission',
     60, 800, 'api_key', false),
    ('cartrawler', 'CarTrawler', 'aggregator', '{cars}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}', '{}',
     '{africa,asia,europe,middle_east,north_america,oceania,south_america}',
     '{global,airports}', '{very_rural}', '{budget,mid_range}',
     0, 0, 8, 'commission',
     200, 900, 'api_key', false);

-- primary: the supplier's core business; supported: served, but not what it is chosen for.
INSERT INTO provider_capabilities (provider, category, level, features) VALUES
    ('amadeus', 'flights', 'primary', '{multi_city,flexible_dates,premium_inventory}'),
    ('amadeus', 'hotels', 'supported', '{}'),
    ('amadeus', 'cars', 'supported', '{}'),
    ('duffel', 'flights', 'primary', '{multi_city,premium_inventory}'),
    ('kiwi', 'flights', 'primary', '{multi_city,flexible_dates}'),
    ('expedia', 'hotels', 'primary', '{}'),
    ('expedia', 'cars', 'supported', '{}'),
    ('hotelbeds', 'hotels', 'primary', '{}'),
    ('hotelbeds', 'experiences', 'supported', '{}'),
    ('getyourguide', 'experiences', 'primary', '{}'),
    ('viator', 'experiences', 'primary', '{}'),
    ('cartrawler', 'cars', 'primary', '{}');

INSERT INTO routing_rules (name, description, priority, conditions, provider, boost) VALUES
    ('flights_europe_amadeus', 'Flights to Europe favour Amadeus', 80,
     '{"category": "flights", "region": "europe"}', 'amadeus', 20),
    ('flights_budget_kiwi', 'Budget travelers favour Kiwi.com', 75,
     '{"category": "flights", "traveler_type": "budget"}', 'kiwi', 25),
    ('flights_domestic_us_duffel', 'Domestic US flights favour Duffel', 70,
     '{"category": "flights", "route_type": "domestic_us"}', 'duffel', 15),
    ('flights_multi_city_kiwi', 'Multi-city trips favour Kiwi.com', 85,
     '{"category": "flights", "route_type": "multi_city"}', 'kiwi', 30),
    ('hotels_north_america_expedia', 'Hotels in North America favour Expedia', 80,
     '{"category": "hotels", "region": "north_america"}', 'expedia', 20),
    ('hotels_international_hotelbeds', 'International hotel stays favour Hotelbeds', 75,
     '{"category": "hotels", "route_type": "international"}', 'hotelbeds', 15),
    ('hotels_luxury_hotelbeds', 'Luxury travelers favour Hotelbeds', 70,
     '{"category": "hotels", "traveler_type": "luxury"}', 'hotelbeds', 10),
    ('cars_cartrawler', 'Car rental favours CarTrawler', 90,
     '{"category": "cars"}', 'cartrawler', 30),
    ('experiences_getyourguide', 'Experiences favour GetYourGuide', 80,
     '{"category": "experiences"}', 'getyourguide', 25),
    ('experiences_north_america_viator', 'Experiences in North America favour Viator', 75,
     '{"category": "experiences", "region": "north_america"}', 'viator', 10);

INSERT INTO fallback_chains (category, region, providers) VALUES
    ('flights', 'europe', '{amadeus,kiwi,duffel}'),
    ('flights', 'north_america', '{duffel,amadeus,kiwi}'),
    ('flights', 'default', '{amadeus,duffel,kiwi}'),
    ('hotels', 'north_america', '{expedia,hotelbeds}'),
    ('hotels', 'default', '{hotelbeds,expedia}'),
    ('cars', 'default', '{cartrawler}'),
    ('experiences', 'north_america', '{viator,getyourguide}'),
    ('experiences', 'default', '{getyourguide,viator}');

-- Approximate rates so that prices can be shown in a display currency from the first start;
-- AdminService replaces them with current ones.
INSERT INTO fx_rates (currency, rate_to_eur, source) VALUES
    ('EUR', 1, 'seed'),
    ('USD', 0.92, 'seed'),
    ('GBP', 1.17, 'seed'),
    ('CHF', 1.05, 'seed'),
    ('CAD', 0.68, 'seed'),
    ('AUD', 0.61, 'seed'),
    ('JPY', 0.0062, 'seed');
