"""Turns an experience SearchRequest into an ExperienceSearch, naming every bad field."""

from __future__ import annotations

import datetime as dt

from guidera.v1 import search_service_pb2

from guidera_grpc.search.params import ExperienceSearch
from guidera_grpc.validation.common import Violations, check_text, parse_date
from guidera_grpc.validation.places import check_place, today_at

MAX_RANGE_DAYS = 31
MAX_DAYS_AHEAD = 365
MAX_TEXT = 100


def validate_experience_search(
    query: search_service_pb2.ExperienceQuery, currency: str, errors: Violations
) -> ExperienceSearch | None:
    """Check an experience query; violations go to ``errors`` with paths under
    ``experiences.``."""
    city = check_place(query.city_code, "experiences.city_code", errors)
    from_date = parse_date(query.from_date, "experiences.from_date", errors)
    to_date = parse_date(query.to_date, "experiences.to_date", errors) if query.to_date else None
    today = today_at(city)
    if from_date and from_date < today:
        errors.add("experiences.from_date", f"{from_date} is in the past (today is {today})")
    elif from_date and from_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.add("experiences.from_date", f"more than {MAX_DAYS_AHEAD} days ahead")
    if from_date and to_date:
        if to_date < from_date:
            errors.add("experiences.to_date", "must not be before the first date")
        elif (to_date - from_date).days >= MAX_RANGE_DAYS:
            errors.add("experiences.to_date", f"a search covers at most {MAX_RANGE_DAYS} days")
    text = check_text(query.text.strip(), "experiences.text", MAX_TEXT, errors)
    if errors.items or not (city and from_date):
        return None
    return ExperienceSearch(city, from_date, to_date or from_date, text, currency)
