"""One module per `radshare` sub-command; each offers `add_parser(subparsers)` and `run(args) -> int`."""
