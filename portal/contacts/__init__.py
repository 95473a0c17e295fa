"""Contact settings: how people reach the prefecture's secretariat and the city's logo office."""
