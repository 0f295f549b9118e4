"""The pages that teach the flow: How it works, and Security (what this session holds)."""
