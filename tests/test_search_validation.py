"""Bad searches are refused with INVALID_ARGUMENT and a BadRequest naming each field."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import common_pb2, search_service_pb2, search_service_pb2_grpc

from tests.searching import days_ahead, flight_request


def _violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    found: dict[str, str] = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found.update({v.field: v.description for v in bad.field_violations})
    return found


async def _refusal(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub, request: search_service_pb2.SearchRequest
) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stub.Search(request, timeout=5):
            pass
    return caught.value


def _with_travelers(**counts: object) -> search_service_pb2.SearchRequest:
    request = flight_request()
    request.flights.travelers.CopyFrom(common_pb2.Travelers(**counts))  # type: ignore[arg-type]
    return request


def _with_cabin(cabin: int) -> search_service_pb2.SearchRequest:
    request = flight_request()
    request.flights.cabin = cabin  # type: ignore[assignment]
    return request


CASES = [
    ("unknown airport", flight_request(origin="QQQ"), "flights.slices[0].origin"),
    ("not a code", flight_request(destination="London"), "flights.slices[0].destination"),
    ("past date", flight_request(depart="2020-01-10"), "flights.slices[0].departure_date"),
    ("malformed date", flight_request(depart="10/03/2027"), "flights.slices[0].departure_date"),
    (
        "return before departure",
        flight_request(depart=days_ahead(30), return_date=days_ahead(20)),
        "flights.slices[1].departure_date",
    ),
    ("no adults", _with_travelers(adults=0), "flights.travelers.adults"),
    ("ten travelers", _with_travelers(adults=6, child_ages=[5, 6, 7, 8]), "flights.travelers"),
    ("unknown cabin", _with_cabin(42), "flights.cabin"),
    ("infant without adult", _with_travelers(adults=1, infants=2), "flights.travelers.infants"),
]


@pytest.mark.parametrize(("case", "request_", "field"), CASES, ids=[c[0] for c in CASES])
async def test_a_bad_field_is_named(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    case: str,
    request_: search_service_pb2.SearchRequest,
    field: str,
) -> None:
    """Each bad field comes back as INVALID_ARGUMENT naming it, with no traceback."""
    error = await _refusal(search_stub, request_)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in _violations(error), (case, _violations(error))
    assert "Traceback" not in (error.details() or "")


async def test_every_bad_field_is_named_at_once(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    """A request with several mistakes names all of them in one answer."""
    request = flight_request(origin="QQQ", depart="2020-01-01")
    request.flights.travelers.adults = 0
    request.options.display_currency = "euros"

    violations = _violations(await _refusal(search_stub, request))

    assert set(violations) >= {
        "flights.slices[0].origin",
        "flights.slices[0].departure_date",
        "flights.travelers.adults",
        "options.display_currency",
    }


async def test_a_search_without_a_query_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    """An empty request names the missing query."""
    error = await _refusal(search_stub, search_service_pb2.SearchRequest())

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "query" in _violations(error)


def _hotels(**fields: object) -> search_service_pb2.SearchRequest:
    query = search_service_pb2.HotelQuery(
        city_code="PAR",
        check_in_date=days_ahead(30),
        check_out_date=days_ahead(33),
        rooms=[search_service_pb2.RoomOccupancy(adults=2)],
    )
    for name, value in fields.items():
        if name == "rooms":
            del query.rooms[:]
            query.rooms.extend(value)  # type: ignore[arg-type]
        else:
            setattr(query, name, value)
    return search_service_pb2.SearchRequest(hotels=query)


def _cars(**fields: object) -> search_service_pb2.SearchRequest:
    query = search_service_pb2.CarQuery(
        pick_up_location="LHR",
        pick_up_local_time=f"{days_ahead(30)}T10:00",
        drop_off_local_time=f"{days_ahead(33)}T10:00",
        driver_age=30,
    )
    for name, value in fields.items():
        setattr(query, name, value)
    return search_service_pb2.SearchRequest(cars=query)


def _experiences(**fields: object) -> search_service_pb2.SearchRequest:
    query = search_service_pb2.ExperienceQuery(
        city_code="ROM", from_date=days_ahead(30), to_date=days_ahead(33)
    )
    for name, value in fields.items():
        setattr(query, name, value)
    return search_service_pb2.SearchRequest(experiences=query)


def _room(adults: int = 2, ages: tuple[int, ...] = ()) -> search_service_pb2.RoomOccupancy:
    return search_service_pb2.RoomOccupancy(adults=adults, child_ages=list(ages))


OTHER_CASES = [
    ("unknown city", _hotels(city_code="QQQ"), "hotels.city_code"),
    (
        "check-out not after check-in",
        _hotels(check_out_date=days_ahead(30)),
        "hotels.check_out_date",
    ),
    ("stay over 30 nights", _hotels(check_out_date=days_ahead(62)), "hotels.check_out_date"),
    ("nine rooms", _hotels(rooms=[_room()] * 9), "hotels.rooms"),
    ("child aged 18", _hotels(rooms=[_room(2, (5, 18))]), "hotels.rooms[0].child_ages[1]"),
    ("room without adult", _hotels(rooms=[_room(0, (5,))]), "hotels.rooms[0].adults"),
    (
        "drop-off before pick-up",
        _cars(drop_off_local_time=f"{days_ahead(29)}T10:00"),
        "cars.drop_off_local_time",
    ),
    ("driver under 18", _cars(driver_age=17), "cars.driver_age"),
    ("unknown pick-up", _cars(pick_up_location="QQQ"), "cars.pick_up_location"),
    ("unknown drop-off", _cars(drop_off_location="ZZZ"), "cars.drop_off_location"),
    ("malformed pick-up time", _cars(pick_up_local_time="tomorrow"), "cars.pick_up_local_time"),
    ("unknown experience city", _experiences(city_code="QQQ"), "experiences.city_code"),
    (
        "experience range reversed",
        _experiences(to_date=days_ahead(20)),
        "experiences.to_date",
    ),
    ("experience in the past", _experiences(from_date="2020-05-01"), "experiences.from_date"),
]


@pytest.mark.parametrize(
    ("case", "request_", "field"), OTHER_CASES, ids=[c[0] for c in OTHER_CASES]
)
async def test_a_bad_hotel_car_or_experience_field_is_named(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    case: str,
    request_: search_service_pb2.SearchRequest,
    field: str,
) -> None:
    """Each category's bad fields come back as INVALID_ARGUMENT naming them."""
    error = await _refusal(search_stub, request_)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in _violations(error), (case, _violations(error))


HOSTILE = [
    ("newline in request id", "request_id", "rid\n12:00:00 ERROR forged line"),
    ("nul in request id", "request_id", "nul\x00id"),
]


@pytest.mark.parametrize(("case", "field", "value"), HOSTILE, ids=[c[0] for c in HOSTILE])
async def test_control_characters_are_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub, case: str, field: str, value: str
) -> None:
    """Control characters would forge log lines or break the session row: refused."""
    request = flight_request()
    setattr(request, field, value)

    error = await _refusal(search_stub, request)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in _violations(error)


async def test_a_nul_in_experience_text_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    error = await _refusal(search_stub, _experiences(text="a\x00b"))
    assert "experiences.text" in _violations(error)


async def test_thousands_of_bad_fields_still_answer_invalid_argument(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    """The violations are capped, so the answer fits in gRPC's trailers."""
    request = flight_request()
    request.flights.travelers.child_ages.extend([99] * 20_000)
    request.options.providers.extend(["nobody"] * 2000)

    error = await _refusal(search_stub, request)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 0 < len(_violations(error)) <= 20


async def test_an_unconvertible_currency_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    request = flight_request()
    request.options.display_currency = "QQQ"

    error = await _refusal(search_stub, request)

    assert "options.display_currency" in _violations(error)


async def test_a_provider_of_another_category_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    error = await _refusal(search_stub, flight_request(providers=("cartrawler",)))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "options.providers[0]" in _violations(error)


async def test_a_flight_within_one_city_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    error = await _refusal(search_stub, flight_request("JFK", "NYC"))
    assert "flights.slices[0].destination" in _violations(error)


async def test_bytes_that_are_no_message_answer_invalid_argument(channel: grpc.aio.Channel) -> None:
    """Undecodable bytes get INVALID_ARGUMENT, not grpc's UNKNOWN."""
    search = channel.unary_stream(
        "/guidera.v1.SearchService/Search",
        request_serializer=lambda raw: raw,
        response_deserializer=search_service_pb2.SearchResponse.FromString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in search(b"\xff\xff\xff", timeout=5):
            pass

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "request" in _violations(caught.value)
