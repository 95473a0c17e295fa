"""Reference data every feature shares: the SDGs, industries (JSIC) and municipalities."""
