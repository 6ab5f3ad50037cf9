"""Deterministic flight inventory shared by every flight emulator.

``schedule`` makes flights per carrier, leg and day; ``itineraries`` joins them into journeys;
``fares`` prices seats; ``assortment`` decides who sells what; ``catalog`` answers a search.
"""
