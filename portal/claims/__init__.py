"""Claiming a registration imported from before the portal (登録の引継ぎ)."""
