"""One router per resource; each endpoint maps input to one call and a DTO to output."""
