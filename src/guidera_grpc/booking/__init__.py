"""Re-pricing offers and booking them exactly once, with nothing lost on the way."""
