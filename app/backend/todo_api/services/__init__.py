"""The one service layer behind the REST API, the MCP tools and the chat agent."""
