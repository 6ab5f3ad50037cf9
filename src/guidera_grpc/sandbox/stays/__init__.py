"""Deterministic hotel inventory shared by every stay emulator (Expedia, Hotelbeds, Amadeus).

``cities`` places a city's centre and names its districts and streets; ``chains`` holds the hotel
brands; ``properties`` builds a city's catalog; ``assortment`` decides which supplier sells which
property under which id, name and coordinates; ``rates`` prices rooms for a stay and an occupancy.
"""
