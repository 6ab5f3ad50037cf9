"""Matching across suppliers: pairs that must merge, and near misses that must not."""

from __future__ import annotations

import pytest
from google.protobuf import duration_pb2
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.aggregation import matching
from guidera_grpc.aggregation.matching import (
    ExactMatcher,
    ExperienceMatcher,
    HotelMatcher,
    Matcher,
)

PARIS = (48.8566, 2.3522)


def _hotel(
    name: str, lat: float, lon: float, stars: float = 0, city: str = "PAR"
) -> offer_pb2.Offer:
    place = common_pb2.Place(
        name=name, latitude=lat, longitude=lon, has_coordinates=True, city_code=city
    )
    return offer_pb2.Offer(hotel=offer_pb2.HotelDetails(property=place, star_rating=stars))


def _unplaced_hotel(name: str, city: str = "PAR") -> offer_pb2.Offer:
    place = common_pb2.Place(name=name, city_code=city)
    return offer_pb2.Offer(hotel=offer_pb2.HotelDetails(property=place))


def _tour(title: str, minutes: int, city: str = "ROM") -> offer_pb2.Offer:
    return offer_pb2.Offer(
        experience=offer_pb2.ExperienceDetails(
            title=title,
            duration=duration_pb2.Duration(seconds=minutes * 60),
            location=common_pb2.Place(city_code=city),
        )
    )


def _car(vendor: str, acriss: str, place: str, at: str) -> offer_pb2.Offer:
    return offer_pb2.Offer(
        car=offer_pb2.CarDetails(
            vendor=offer_pb2.Carrier(iata_code=vendor),
            acriss_code=acriss,
            pick_up=common_pb2.Place(iata_code=place),
            drop_off=common_pb2.Place(iata_code=place),
            pick_up_local_time=at,
            drop_off_local_time="2027-04-05T10:00:00",
        )
    )


def _matches(matcher: Matcher, first: offer_pb2.Offer, second: offer_pb2.Offer) -> bool:
    matcher.remember("off_first", first)
    return matcher.find(second) == "off_first"


def _north(lat: float, metres: float) -> float:
    return lat + metres / 111_195


def test_the_same_hotel_with_a_hotel_prefix_and_an_accent_merges() -> None:
    lat, lon = PARIS
    assert _matches(
        HotelMatcher(),
        _hotel("Hôtel Lutetia Paris", lat, lon, 5),
        _hotel("Lutetia", _north(lat, 40), lon, 5),
    )


def test_a_chain_hotel_named_two_ways_merges() -> None:
    lat, lon = PARIS
    assert _matches(
        HotelMatcher(),
        _hotel("Hotel Ibis Paris Gare du Nord", lat, lon, 3),
        _hotel("ibis Paris Gare du Nord TGV", _north(lat, 25), lon, 3),
    )


def test_two_hotels_of_one_chain_600_m_apart_stay_apart() -> None:
    lat, lon = PARIS
    assert not _matches(
        HotelMatcher(),
        _hotel("ibis Paris Gare du Nord", lat, lon, 3),
        _hotel("ibis Paris Gare du Nord Chateau Landon", _north(lat, 600), lon, 3),
    )


def test_a_same_named_hotel_in_another_city_stays_apart() -> None:
    assert not _matches(
        HotelMatcher(),
        _hotel("Novotel Centre", 48.8566, 2.3522, 4, "PAR"),
        _hotel("Novotel Centre", 45.7640, 4.8357, 4, "LYS"),
    )


def test_different_hotels_next_door_stay_apart() -> None:
    lat, lon = PARIS
    assert not _matches(
        HotelMatcher(),
        _hotel("ibis Styles Montmartre", lat, lon),
        _hotel("Mercure Montmartre Sacre Coeur", lat, lon),
    )


def test_different_star_ratings_stay_apart() -> None:
    lat, lon = PARIS
    assert not _matches(
        HotelMatcher(), _hotel("Grand Hotel Opera", lat, lon, 5), _hotel("Grand Opera", lat, lon, 3)
    )


def test_a_hotel_without_coordinates_merges_only_on_a_close_name_in_the_city() -> None:
    lat, lon = PARIS
    assert _matches(
        HotelMatcher(), _hotel("Hotel Le Meurice", lat, lon, 5), _unplaced_hotel("Le Meurice")
    )
    assert not _matches(
        HotelMatcher(), _hotel("Hotel Le Meurice", lat, lon, 5), _unplaced_hotel("Le Bristol")
    )


def test_the_same_tour_with_two_titles_merges() -> None:
    assert _matches(
        ExperienceMatcher(),
        _tour("Colosseum, Roman Forum and Palatine Hill Guided Tour", 180),
        _tour("Skip-the-Line Colosseum, Forum & Palatine Hill Tour", 165),
    )


def test_a_2_hour_and_a_6_hour_tour_with_similar_titles_stay_apart() -> None:
    assert not _matches(
        ExperienceMatcher(),
        _tour("Vatican Museums and Sistine Chapel Tour", 120),
        _tour("Vatican Museums and Sistine Chapel Full-Day Tour", 360),
    )


def test_the_same_title_in_another_city_stays_apart() -> None:
    assert not _matches(
        ExperienceMatcher(),
        _tour("Food Tour with Tastings", 180, "ROM"),
        _tour("Food Tour with Tastings", 180, "PAR"),
    )


def test_cars_merge_on_vendor_class_place_and_times() -> None:
    at = "2027-04-02T10:00:00"
    assert _matches(ExactMatcher(), _car("ZE", "CDMR", "LHR", at), _car("ZE", "CDMR", "LHR", at))
    assert not _matches(
        ExactMatcher(), _car("ZE", "CDMR", "LHR", at), _car("ZE", "CDAR", "LHR", at)
    )
    assert not _matches(
        ExactMatcher(),
        _car("ZE", "CDMR", "LHR", at),
        _car("ZE", "CDMR", "LHR", "2027-04-02T11:00:00"),
    )


def test_matching_ten_thousand_hotels_stays_near_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bucketing by place keeps the comparisons per hotel small: 10,000 hotels on a grid
    150 to 300 m apart are all kept apart with a few comparisons each, not 50 million."""
    comparisons = 0
    real_match = matching.hotels_match

    def counting(a: object, b: object) -> bool:
        nonlocal comparisons
        comparisons += 1
        return real_match(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(matching, "hotels_match", counting)
    matcher = HotelMatcher()
    lat, lon = PARIS
    for index in range(10_000):
        row, col = divmod(index, 100)
        offer = _hotel(f"Hotel Number {index}", lat + row * 0.002, lon + col * 0.003)
        assert matcher.find(offer) is None
        matcher.remember(f"off_{index}", offer)

    assert comparisons < 10 * 10_000
