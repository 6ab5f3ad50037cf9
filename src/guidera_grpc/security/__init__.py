"""Who may call the service: API keys with roles, and the TLS credentials of the listener."""
