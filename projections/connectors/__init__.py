"""connectors: each vendor account's connector (connector_status) and what a person must do
about the account as a whole (connector_attention), from the connectors' own events."""
