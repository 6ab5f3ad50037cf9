"""Deterministic car rental inventory that any car emulator can sell.

``fleet`` holds the ACRISS classes and their example models; ``vendors`` the rental companies
and where they operate; ``locations`` the airport and downtown desks of a place; ``pricing``
what a rental costs (daily rate, taxes, location, one-way and young-driver fees);
``catalog`` answers a search with priced rentals, cheapest first.
"""
