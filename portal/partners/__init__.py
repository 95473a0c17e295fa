"""Financial-institution partners (支援機関) and their users."""
