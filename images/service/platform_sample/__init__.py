"""The sample service and agent: what the platform's tests need that DIRAC cannot show.

- `server`: an HTTP service with a health switch that reports the client's address (the last
  X-Forwarded-For entry), and a line-based TCP service that reads it from the PROXY protocol;
- `proxy`: the PROXY protocol's v1 and v2 headers;
- `health`: the switch (in memory, or a flag file for `platform-service health`);
- `bridge`: the HTTP health bridge of a TCP service, one kept-open connection to its own ping.

The agent runner is platform_agent's (images/shared), shared with the DIRAC image. Python's
standard library only.
"""
