"""Read models, the event-store wiring, the catch-up runner and the system's assembly."""
