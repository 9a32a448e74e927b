"""One small handler function per job kind, each taking a JobContext, the claimed job and its request."""
