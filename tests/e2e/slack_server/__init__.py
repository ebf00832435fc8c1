"""A local Slack-compatible Web API, Socket Mode websocket and request signer for end-to-end tests."""
