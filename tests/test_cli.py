"""The ``guidera`` command, run as a user would, against the test server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from guidera_grpc.server import GuideraServer
from tests.cli_runner import run_guidera
from tests.searching import collect, days_ahead, hotel_request, of_kind

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


async def test_search_flights_json_prints_one_event_per_line(server: GuideraServer) -> None:
    """--json prints started, offers and statuses, and completed, in canonical JSON."""
    code, out, err = await run_guidera(
        "search",
        "flights",
        "--from",
        "JFK",
        "--to",
        "LHR",
        "--depart",
        days_ahead(60),
        "--json",
        "--target",
        server.address,
    )

    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert next(iter(events[0])) == "started"
    assert next(iter(events[-1])) == "completed"
    assert any("offers" in e for e in events)
    offer = next(e for e in events if "offers" in e)["offers"]["offers"][0]["offer"]
    assert offer["offerId"].startswith("off_")
    assert offer["flight"]["slices"][0]["segments"][0]["origin"]["iataCode"] == "JFK"


async def test_search_flights_table_renders_offers(server: GuideraServer) -> None:
    """Without --json the command renders a table and a line per supplier."""
    code, out, err = await run_guidera(
        "search",
        "flights",
        "--from",
        "JFK",
        "--to",
        "LHR",
        "--depart",
        days_ahead(60),
        "--return",
        days_ahead(67),
        "--adults",
        "2",
        "--target",
        server.address,
    )

    assert code == 0, err
    for supplier in ("amadeus", "duffel", "kiwi"):
        assert f"{supplier}: answered" in out
    assert "offers in" in out
    # A narrow (80-column) output names the first offer's whole id below the table.
    assert re.search(r"first offer: off_[0-9a-f]{24} ", out)
    # Piped, the finished view is printed once and ends its last line.
    assert out.count("offers in") == 1
    assert out.endswith("\n")


async def test_a_wide_table_shows_every_offer_id(server: GuideraServer) -> None:
    """With room for them, each row starts with the id `guidera offer` and `book` take."""
    code, out, err = await run_guidera(
        "search",
        "flights",
        "--from",
        "JFK",
        "--to",
        "LHR",
        "--depart",
        days_ahead(61),
        "--target",
        server.address,
        env={"COLUMNS": "160"},
    )

    assert code == 0, err
    rows = re.findall(r"^│ (off_[0-9a-f]{24}) │", out, flags=re.MULTILINE)
    assert len(rows) >= 10
    assert "first offer:" not in out


async def test_bad_input_prints_the_fields_and_exits_1(server: GuideraServer) -> None:
    """A refused search exits 1 and names the bad fields on stderr."""
    code, _, err = await run_guidera(
        "search",
        "flights",
        "--from",
        "QQQ",
        "--to",
        "LHR",
        "--depart",
        "2020-01-01",
        "--target",
        server.address,
    )

    assert code == 1
    assert "INVALID_ARGUMENT" in err
    assert "flights.slices[0].origin" in err
    assert "flights.slices[0].departure_date" in err


async def test_book_confirms_an_offer_and_names_a_bad_option(
    server: GuideraServer, search_stub: SearchServiceAsyncStub, tmp_path: Path
) -> None:
    """``guidera book`` books a searched hotel once; an unreadable traveler file or a
    malformed expected total exits 2 naming the option, without calling the server."""
    request = hotel_request(check_in=52, adults=1, providers=("hotelbeds",))
    arrivals = await collect(search_stub.Search(request, timeout=20))
    offer_id = next(
        r.offer.offer_id for a in of_kind(arrivals, "offers") for r in a.event.offers.offers
    )
    travelers = tmp_path / "travelers.json"
    travelers.write_text(
        json.dumps([{"givenName": "Ada", "familyName": "Lovelace", "email": "ada@example.com"}])
    )
    common = ("--target", server.address, "--traveler-ref", "cli-customer")

    code, out, err = await run_guidera("offer", offer_id, "--target", server.address)
    assert code == 0, err
    assert json.loads(out)["offer"]["offerId"] == offer_id
    assert re.search(r"^price (unchanged: [\d.]+ EUR|changed: .+) \(hotelbeds\)", err, re.M), err

    code, out, err = await run_guidera(
        "book", offer_id, "--traveler-file", str(travelers), "--payment-token", "tok_test_4242",
        *common,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["booking"]["status"] == "BOOKING_STATUS_CONFIRMED"
    assert "idempotency key: cli-" in err

    broken = tmp_path / "broken.json"
    broken.write_text('{"givenName": "Ada"}')
    code, out, err = await run_guidera("book", offer_id, "--traveler-file", str(broken), *common)
    assert (code, out) == (2, "")
    assert "--traveler-file" in err
    assert "Traceback" not in err
    code, out, err = await run_guidera(
        "book", offer_id, "--traveler-file", str(travelers), "--expected-total", "ten EUR",
        *common,
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert "--expected-total" in err
    assert "Traceback" not in err


async def test_a_limited_search_shows_its_limit_and_results_pages_through_the_rest(
    server: GuideraServer,
) -> None:
    """``--limit 5`` shows five offers and how to see more; ``guidera results`` with the
    printed token shows the next offers, ranked on from the sixth, and the token after them."""
    wide = {"COLUMNS": "200"}
    code, out, err = await run_guidera(
        "search", "flights", "--from", "JFK", "--to", "LHR", "--depart", days_ahead(63),
        "--limit", "5", "--target", server.address, env=wide,
    )  # fmt: skip
    assert code == 0, err
    assert len(re.findall(r"^│ off_[0-9a-f]{24} +│", out, flags=re.MULTILINE)) == 5
    more = re.search(r"^more: guidera results (\S+) --page-token (\S+)$", out, flags=re.MULTILINE)
    assert more is not None, out
    search_id, token = more.groups()

    code, out, err = await run_guidera(
        "results", search_id, "--page-token", token, "--page-size", "10",
        "--target", server.address, env=wide,
    )  # fmt: skip
    assert code == 0, err
    assert f"search {search_id}: offers 6-15 of " in out
    assert len(re.findall(r"^│ off_[0-9a-f]{24} +│", out, flags=re.MULTILINE)) == 10
    assert re.search(rf"^next page: guidera results {search_id} --page-token \S+$", out, re.M)

    # Past the 25 rows a table shows, the cut rows are on the first page, not after the token.
    code, out, err = await run_guidera(
        "search", "flights", "--from", "JFK", "--to", "LHR", "--depart", days_ahead(63),
        "--limit", "30", "--target", server.address, env=wide,
    )  # fmt: skip
    assert code == 0, err
    assert re.search(r"^\.\.\. and 5 more offers: guidera results \S+ lists all$", out, re.M)
    assert "--page-token" not in out

    code, out, err = await run_guidera(
        "results", search_id, "--page-size", "3", "--json", "--target", server.address
    )
    assert code == 0, err
    assert [offer["rank"] for offer in json.loads(out)["offers"]] == [1, 2, 3]

    code, out, err = await run_guidera(
        "results", search_id, "--page-token", "nonsense", "--target", server.address
    )
    assert code == 1
    assert "INVALID_ARGUMENT" in err
    assert "page_token" in err
