"""Caching of search results: in memory by default, in Redis when configured."""
