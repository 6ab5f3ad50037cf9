"""Routing: which providers a search asks, in which order, and why the others are left out.

- ``context``: the facts of one search (regions, route type, traveler, local hour);
- ``routes``: route types from the places of a trip;
- ``scoring``: a provider's score in five capped parts, plus rule boosts;
- ``rules``: which routing rules match a search and what they impose;
- ``plan``: the plan itself, as the started event and ExplainRoute show it.
"""
