"""The gateway as the OAuth 2.1 authorization server of its own MCP endpoint."""
