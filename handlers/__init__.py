"""Lambda code deployed by Eventplane. Never imports pulumi: it runs in Lambda."""
