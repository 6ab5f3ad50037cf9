-- Package searches (a flight with a stay, maybe a car) are recorded like any other search.
ALTER TABLE search_sessions DROP CONSTRAINT search_sessions_category_check;
ALTER TABLE search_sessions ADD CONSTRAINT search_sessions_category_check
    CHECK (category IN ('flights', 'hotels', 'cars', 'experiences', 'packages'));
