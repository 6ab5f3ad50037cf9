"""A terminal view of a search stream: a table of offers that grows, a line per supplier."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from guidera.v1 import common_pb2, offer_pb2, search_service_pb2
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.validation.search import DEFAULT_MAX_RESULTS

ROWS_SHOWN = 25
#: Below this many columns the offer ids would squeeze the table into unreadable slivers.
WIDTH_FOR_IDS = 120

OUTCOME_STYLE = {
    search_service_pb2.PROVIDER_OUTCOME_ANSWERED: ("answered", "green"),
    search_service_pb2.PROVIDER_OUTCOME_FAILED: ("failed", "red"),
    search_service_pb2.PROVIDER_OUTCOME_TIMED_OUT: ("timed out", "yellow"),
    search_service_pb2.PROVIDER_OUTCOME_SKIPPED: ("skipped", "dim"),
    search_service_pb2.PROVIDER_OUTCOME_FELL_BACK: ("fell back", "yellow"),
    search_service_pb2.PROVIDER_OUTCOME_CANCELLED: ("cancelled", "dim"),
}


def format_money(money: common_pb2.Money) -> str:
    """``123.40 EUR``; a dash for an unset amount."""
    if not money.currency_code:
        return "-"
    return f"{to_decimal(money).quantize(Decimal('0.01'))} {money.currency_code}"


class SearchView:
    """Folds stream events into what the terminal shows: the stream's best ``limit`` offers in
    the server's order."""

    def __init__(self, limit: int = DEFAULT_MAX_RESULTS, rows: int = ROWS_SHOWN) -> None:
        self.limit = limit
        self.rows = rows
        #: Offer ids in rank order, at most ``limit`` of them.
        self.order: list[str] = []
        self.offers: dict[str, offer_pb2.Offer] = {}
        self.providers: dict[str, str] = {}
        self.title = "searching..."
        self.search_id = ""
        self.next_page_token = ""
        self.footer = ""

    def apply(self, event: search_service_pb2.SearchResponse) -> None:
        """Take one event into the view."""
        kind = event.WhichOneof("event")
        if kind == "started":
            plan = event.started.plan
            self.search_id = event.started.search_id
            self.title = f"search {self.search_id} ({plan.strategy})"
            for candidate in plan.selected:
                self.providers[candidate.provider] = "[dim]waiting[/]"
            for candidate in plan.excluded:
                self.providers[candidate.provider] = (
                    f"[dim]left out: {escape(candidate.exclusion_reason)}[/]"
                )
        elif kind == "offers":
            self._take(event.offers)
        elif kind == "provider_status":
            self.providers[event.provider_status.provider] = _status_text(event.provider_status)
        elif kind == "completed":
            done = event.completed
            if done.source == search_service_pb2.RESULT_SOURCE_CACHE:
                for code, text in self.providers.items():
                    if text.startswith("[dim]waiting"):
                        self.providers[code] = "[cyan]from the cache[/] (--refresh asks again)"
            self.footer = f"{done.total_offers} offers in {done.duration.ToMilliseconds()} ms"
            if done.total_offers:
                first = done.time_to_first_offers.ToMilliseconds()
                self.footer += f"; first offers after {first} ms"
            self.next_page_token = done.next_page_token

    def _take(self, batch: search_service_pb2.OffersBatch) -> None:
        """Place a batch's offers at their ranks. A batch carries the new and changed offers
        with their ranks after it, best first, and the others keep their order: putting each at
        its rank in turn yields the server's order, and what moved past the limit drops off."""
        changed = {ranked.offer.offer_id for ranked in batch.offers}
        self.order = [offer_id for offer_id in self.order if offer_id not in changed]
        for ranked in sorted(batch.offers, key=lambda r: r.rank):
            self.order.insert(ranked.rank - 1, ranked.offer.offer_id)
            self.offers[ranked.offer.offer_id] = ranked.offer
        for dropped in self.order[self.limit :]:
            del self.offers[dropped]
        del self.order[self.limit :]

    def show_page(self, offers: Iterable[search_service_pb2.RankedOffer]) -> None:
        """Show a stored page's offers as they come: already ranked, all of them."""
        for ranked in offers:
            self.order.append(ranked.offer.offer_id)
            self.offers[ranked.offer.offer_id] = ranked.offer
        self.limit = self.rows = len(self.order)

    def render(self) -> RenderableType:
        """The table, the supplier lines and the footer, fitted to the terminal's width."""
        return self

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        yield self._fitted(options.max_width)

    def _fitted(self, width: int) -> RenderableType:
        table = Table(title=self.title, expand=True)
        ranked = [self.offers[offer_id] for offer_id in self.order]
        # Ids are what `guidera offer` and `guidera book` take, so they are never cut: a
        # narrow terminal shows the first one's below the table instead of a column.
        with_ids = width >= WIDTH_FOR_IDS
        if with_ids:
            table.add_column("id", no_wrap=True, min_width=len(ranked[0].offer_id) if ranked else 2)
        for column in ("price", "sold by", "offer", "when", "details", "sellers"):
            table.add_column(column)
        for offer in ranked[: self.rows]:
            row = _row(offer)
            table.add_row(*(row if with_ids else row[1:]))
        lines = [Text.from_markup(f"{code}: {text}") for code, text in self.providers.items()]
        more = len(ranked) - self.rows
        if more > 0:
            # The server's token starts after the limit: the rows cut here come from page one.
            lines.insert(
                0, Text(f"... and {more} more offers: guidera results {self.search_id} lists all")
            )
        if ranked and not with_ids:
            lines.append(Text(f"first offer: {ranked[0].offer_id} (--json lists every offer's id)"))
        footer = self.footer
        if self.next_page_token and more <= 0:
            token = self.next_page_token
            footer += f"\nmore: guidera results {self.search_id} --page-token {token}"
        return Group(table, *lines, Text(footer))


Row = tuple[str, str, str, str, str, str, str]


def _row(offer: offer_pb2.Offer) -> Row:
    sellers = ", ".join(
        f"{p.provider} {format_money(p.price.total)}" for p in offer.provider_prices
    )
    price = format_money(offer.price.display_total)
    kind = offer.WhichOneof("details")
    describe = _DESCRIBERS.get(kind or "", lambda _: ("", "", ""))
    what, when, notes = describe(offer)
    count = str(len(offer.provider_prices))
    return offer.offer_id, price, sellers, what, when, notes, count


def _flight(offer: offer_pb2.Offer) -> tuple[str, str, str]:
    slices = offer.flight.slices
    flights = " / ".join(
        " ".join(f"{s.marketing_carrier.iata_code}{s.marketing_flight_number}" for s in sl.segments)
        for sl in slices
    )
    first = slices[0].segments[0] if slices and slices[0].segments else None
    last = slices[0].segments[-1] if slices and slices[0].segments else None
    when = ""
    if first and last:
        when = (
            f"{first.origin.iata_code} {first.departure_local_time[5:16]} > "
            f"{last.destination.iata_code} {last.arrival_local_time[5:16]}"
        )
    stops = "/".join(str(max(len(sl.segments) - 1, 0)) for sl in slices)
    return flights, when, f"stops {stops}"


def _hotel(offer: offer_pb2.Offer) -> tuple[str, str, str]:
    hotel = offer.hotel
    stars = f" {hotel.star_rating:g}*" if hotel.star_rating else ""
    room = hotel.rooms[0] if hotel.rooms else None
    board = offer_pb2.Board.Name(room.board).removeprefix("BOARD_").lower() if room else ""
    on_site = offer.price.payable_on_site
    notes = f"{board}; {format_money(on_site)} on site" if on_site.currency_code else board
    return f"{hotel.property.name}{stars}", f"{hotel.check_in_date} > {hotel.check_out_date}", notes


def _car(offer: offer_pb2.Offer) -> tuple[str, str, str]:
    car = offer.car
    what = f"{car.vendor.name or car.vendor.iata_code} {car.acriss_code} {car.vehicle_name}"
    when = f"{car.pick_up_local_time[5:16]} > {car.drop_off_local_time[5:16]}"
    traits = ["automatic" if car.automatic else "manual"]
    if car.unlimited_mileage:
        traits.append("unlimited km")
    return what, when, ", ".join(traits)


def _experience(offer: offer_pb2.Offer) -> tuple[str, str, str]:
    exp = offer.experience
    minutes = exp.duration.seconds // 60
    rating = f"{exp.rating:.1f}/5 ({exp.review_count})" if exp.rating else ""
    return exp.title, f"{minutes // 60}h{minutes % 60:02d}", rating


def _package(offer: offer_pb2.Offer) -> tuple[str, str, str]:
    parts = offer.package
    pieces = [
        (part, describe(part))
        for part, describe, present in (
            (parts.flight, _flight, parts.HasField("flight")),
            (parts.hotel, _hotel, parts.HasField("hotel")),
            (parts.car, _car, parts.HasField("car")),
        )
        if present
    ]
    what = " + ".join(text[0] for _, text in pieces)
    when = pieces[0][1][1] if pieces else ""
    notes = ", ".join(
        f"{part.provider_prices[0].provider} {format_money(part.price.display_total)}"
        for part, _ in pieces
        if part.provider_prices
    )
    return what, when, notes


_DESCRIBERS = {
    "package": _package,
    "flight": _flight,
    "hotel": _hotel,
    "car": _car,
    "experience": _experience,
}


def _status_text(status: search_service_pb2.ProviderStatus) -> str:
    label, style = OUTCOME_STYLE.get(status.outcome, ("unknown", "dim"))
    count = status.offer_count
    detail = f"{count} offer{'' if count == 1 else 's'} before merging" if count else status.reason
    if status.fallback_from:
        detail += f"; stood in for {status.fallback_from}"
    return f"[{style}]{label}[/] in {status.latency.ToMilliseconds()} ms ({escape(detail)})"
