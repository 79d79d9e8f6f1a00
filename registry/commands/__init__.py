"""One module per `python -m registry` subcommand; each exposes `register(parser)`."""
