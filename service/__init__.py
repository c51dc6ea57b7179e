"""The FastAPI service, the console and the `sanshe` command line."""
